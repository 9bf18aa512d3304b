from . import image, main, oauth, sync_api
