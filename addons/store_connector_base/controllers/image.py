from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request

from ..models.store_product_image import IMAGE_FIELDS, IMAGE_ROUTE

# How long a platform or a proxy may keep an image: a changed image gets a new token (a new URL),
# so a cached copy is never wrong for long; an hour bounds how long a revoked one stays visible.
IMAGE_MAX_AGE = 3600


class StoreImageController(http.Controller):
    """Serves the product images stores publish (see store.product.image) to the platforms, which
    fetch them without logging in: the random token in the URL is the only key."""

    @http.route(
        f"{IMAGE_ROUTE}/<string:token>", type="http", auth="public", methods=["GET", "HEAD"],
        csrf=False, save_session=False, readonly=True,
    )
    def store_product_image(self, token):
        """The image of `token`, with its content type and caching headers; 404 for a token that
        is unknown or revoked, a store that is archived and an image that was removed."""
        image = request.env["store.product.image"]._find_by_token(token)
        if not image or not image.store_id.active:
            raise NotFound()
        record = image.product_id or image.product_tmpl_id
        field_name = IMAGE_FIELDS[record._name]
        if not record[field_name]:
            raise NotFound()
        stream = request.env["ir.binary"]._get_image_stream_from(record, field_name)
        stream.max_age = IMAGE_MAX_AGE
        stream.public = True
        return stream.get_response()
