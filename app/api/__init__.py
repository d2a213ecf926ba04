"""The HTTP and websocket API (docs/api.md): thin routes that check who asks and hand the
rest to the service layer."""
