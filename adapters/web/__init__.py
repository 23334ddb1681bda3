"""The local browser simulator: an aiohttp app serving a small chat page and a JSON API.

Use :func:`adapters.web.app.create_web_app` or :func:`adapters.web.app.start_web`.
"""
