"""The web playground: train a small network in the browser, TensorFlow-Playground style.

All the maths runs here, in chainrule; the page (``static/``) only draws what the JSON API
returns. Needs the optional dependencies ``starlette`` and ``uvicorn``
(``pip install 'chainrule[playground]'``); start it with ``chainrule playground``.

>>> from chainrule.playground import create_app   # doctest: +SKIP
>>> app = create_app()                             # an ASGI app: uvicorn.run(app)
"""

from .app import LIMITS, create_app

__all__ = ["LIMITS", "create_app"]
