"""Device drivers: keep what a device should show/do and drive it over a link."""
