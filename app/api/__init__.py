"""The HTTP and websocket API of DESIGN §3: thin routes that check who asks and hand the
rest to the service layer."""
