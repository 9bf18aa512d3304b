from . import image, main, sync_api
