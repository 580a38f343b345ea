"""The WSGI application, as the web server loads it (config/serve.py; config/gunicorn.py).

Once the app is loaded (Django set up, the URLconf and with it every view imported), what
exists lives as long as the process. It is frozen out of the garbage collector's sight
(`gc.freeze`): a full collection would otherwise walk all of it, about 136,000 objects and
160 ms on the 2-core bench machine, a pause of every request the process holds.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()


def _freeze_what_is_loaded() -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the URLconf and every view module
    gc.collect()  # what is garbage now is not kept forever
    gc.freeze()


_freeze_what_is_loaded()
