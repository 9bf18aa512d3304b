import secrets

from odoo import api, fields, models

# The route Odoo serves published images on (controllers/image.py); the token is the whole key.
IMAGE_ROUTE = "/store_connector/image"
# Images a store may publish: the template's main image and a variant's own image (the fields
# `product` itself has; website_sale's extra images are not a dependency of the connector).
IMAGE_FIELDS = {"product.template": "image_1920", "product.product": "image_variant_1920"}


class StoreProductImage(models.Model):
    """A product image a store publishes: Odoo serves it without login at an unguessable URL
    (``<base URL>/store_connector/image/<token>``) for the platform to fetch.

    One record per store and image: the template's main image (``product_id`` empty) or a variant's
    own image. The token is random (``secrets.token_urlsafe``), so nobody can list or guess the
    images of unpublished products. It is revoked (the record deleted, the URL answers 404) when
    the product is no longer published to the store or its binding is removed, and replaced by a
    new one when the image changes, so that a platform that keeps a copy of what it fetched sees a
    new URL and fetches the new image (see `_image_urls`).

    The URL is built on the store's base URL (``web.base.url``): the platform must reach Odoo there.
    Only the connector writes these records (as superuser); users read them in their companies.
    """

    _name = "store.product.image"
    _inherit = ["store.owned.mixin"]
    _description = "Published Product Image"
    _order = "store_id, product_tmpl_id, product_id, id"
    _rec_name = "product_tmpl_id"

    store_id = fields.Many2one("connector.store", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="store_id.company_id", store=True, index=True)
    product_tmpl_id = fields.Many2one(
        "product.template", string="Product", required=True, index=True, ondelete="cascade",
        check_company=True,
    )
    product_id = fields.Many2one(
        "product.product", string="Variant", index=True, ondelete="cascade", check_company=True,
        help="Empty for the product's main image; the variant whose own image this is otherwise.",
    )
    token = fields.Char(required=True, copy=False, readonly=True, groups="base.group_system")
    checksum = fields.Char(
        copy=False, readonly=True,
        help="The image's checksum when its token was issued: a new image, a new token.",
    )

    _sql_constraints = [
        ("token_uniq", "unique(token)", "An image token is unique."),
    ]

    def init(self):
        # One record per store and image; NULLS NOT DISTINCT so that a template has one main image.
        self.env.cr.execute("""
            CREATE UNIQUE INDEX IF NOT EXISTS store_product_image_store_image_uniq
            ON store_product_image (store_id, product_tmpl_id, product_id) NULLS NOT DISTINCT
        """)

    # ------------------------------------------------------------------ business
    @api.model
    def _checksums(self, records):
        """{(model, id): checksum} of the image attachments of `records` (templates or variants) that
        have an image; one query per model."""
        result = {}
        Attachment = self.env["ir.attachment"].sudo()
        for model, field_name in IMAGE_FIELDS.items():
            ids = [record.id for record in records if record._name == model]
            if not ids:
                continue
            for attachment in Attachment.search_read(
                [("res_model", "=", model), ("res_field", "=", field_name), ("res_id", "in", ids)],
                ["res_id", "checksum"],
            ):
                result[(model, attachment["res_id"])] = attachment["checksum"]
        return result

    @api.model
    def _image_urls(self, store, bindings):
        """The image URLs `store` publishes for `bindings` (its published ones), issuing tokens for
        images that have none yet and new tokens for images that changed since theirs was issued.

        :returns: {"templates": {template id: url}, "variants": {product id: url}}: a template's main
            image, and a variant's own image when it has one.
        """
        published = bindings.filtered(lambda b: b.store_id == store and b.platform_status == "active")
        templates = published.product_tmpl_id
        variants = published.product_id
        checksums = self._checksums(list(templates) + list(variants))
        Image = self.sudo()
        existing = Image.search([("store_id", "=", store.id), ("product_tmpl_id", "in", templates.ids)])
        by_key = {(image.product_tmpl_id.id, image.product_id.id): image for image in existing}
        base_url = store.get_base_url()
        urls = {"templates": {}, "variants": {}}
        wanted = [
            (template, False, checksums.get(("product.template", template.id))) for template in templates
        ]
        wanted += [
            (variant.product_tmpl_id, variant, checksums.get(("product.product", variant.id)))
            for variant in variants
        ]
        for template, variant, checksum in wanted:
            key = (template.id, variant.id if variant else False)
            image = by_key.get(key)
            if not checksum:
                if image:
                    image.unlink()
                continue
            if not image:
                image = Image.create({
                    "store_id": store.id, "product_tmpl_id": template.id,
                    "product_id": variant.id if variant else False,
                    "token": secrets.token_urlsafe(32), "checksum": checksum,
                })
            elif image.checksum != checksum:
                image.write({"token": secrets.token_urlsafe(32), "checksum": checksum})
            url = f"{base_url}{IMAGE_ROUTE}/{image.token}"
            if variant:
                urls["variants"][variant.id] = url
            else:
                urls["templates"][template.id] = url
        return urls

    @api.model
    def _revoke(self, bindings):
        """Revoke the image tokens `bindings` no longer justify: their variants' own images, and
        their templates' main images in the stores where no other variant of the template stays
        published. Called when bindings are unpublished, archived or removed."""
        if not bindings:
            return
        Image = self.sudo()
        Binding = self.env["store.product.binding"].sudo().with_context(active_test=False)
        for store, store_bindings in bindings.sudo().grouped("store_id").items():
            still_published = Binding.search([
                ("store_id", "=", store.id), ("platform_status", "=", "active"),
                ("product_tmpl_id", "in", store_bindings.product_tmpl_id.ids),
                ("id", "not in", store_bindings.ids),
            ])
            gone_templates = store_bindings.product_tmpl_id - still_published.product_tmpl_id
            Image.search([
                ("store_id", "=", store.id),
                "|",
                ("product_id", "in", (store_bindings.product_id - still_published.product_id).ids),
                "&", ("product_id", "=", False), ("product_tmpl_id", "in", gone_templates.ids),
            ]).unlink()

    @api.model
    def _find_by_token(self, token):
        """The image record of `token` (sudo), or an empty recordset; compared in the database
        through the unique index, never listed."""
        if not token or len(token) > 128:
            return self.sudo().browse()
        return self.sudo().search([("token", "=", token)], limit=1)
