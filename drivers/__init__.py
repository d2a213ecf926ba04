"""lobbyq device drivers: protocol (pure bytes), link (one serial port), devices, agent.

Layering follows pymodbus: ``protocol`` modules encode/decode bytes with no I/O so they
can be tested against published wire vectors; ``link`` owns one pyserial port and its
reconnects; ``devices`` keep the state a device should show and drive it over a link;
``agent`` connects the devices to a lobbyq server's event stream and HTTP API.
"""
