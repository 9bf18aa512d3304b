"""eBay buyer messages in the sale order's chatter.

Which API: the REST Message API (``/commerce/message/v1/conversation``) references conversations to
listings only and needs a scope of its own; Trading ``GetMemberMessages`` returns the messages members
sent the seller (questions about a listing, messages to a transaction partner) with the item id, the
sender and the body, through the Trading client and the user token the store already has. A message
is about an order when the store imported an order of that buyer for that item: it is posted on the
newest such sale order, once (its eBay message id is the posted note's Message-Id), as a note with the
buyer, the text (escaped: eBay forbids HTML in it, and nothing a buyer writes is rendered as HTML) and
a link to the order in Seller Hub, where the seller answers: answering stays on eBay.
"""

import json
from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.tools import SQL, html_escape, plaintext2html

from odoo.addons.store_connector_base.services.normalized import to_datetime

from .. import const
from .store_adapter_orders import ebay_time

MESSAGE_LIST_NODE = "getmembermessagesresponse.membermessage.membermessageexchange"


def _as_list(value):
    if value in (None, "", False):
        return []
    return value if isinstance(value, list) else [value]


class StoreAdapterEbayMessages(models.AbstractModel):
    """eBay buyer messages: `_ebay_poll_buyer_messages` and its helpers."""

    _inherit = "store.adapter.ebay"

    @api.model
    def _ebay_poll_buyer_messages(self, store):
        """Read the messages buyers sent since the last poll (GetMemberMessages, every page) and post
        each new one on the sale order it is about.

        :returns: {"posted", "known", "unmatched"} counts.
        """
        now = fields.Datetime.now().replace(microsecond=0)
        start = (store.ebay_messages_polled_at - timedelta(minutes=const.MESSAGES_POLL_MARGIN_MINUTES)
                 if store.ebay_messages_polled_at else now - timedelta(days=const.MESSAGES_FIRST_POLL_DAYS))
        exchanges = self._ebay_member_messages(store, start, now)
        result = self._ebay_post_buyer_messages(store, exchanges)
        store.sudo().ebay_messages_polled_at = now
        return result

    @api.model
    def _ebay_member_messages(self, store, start, end):
        """Every MemberMessageExchange created in [start, end] (GetMemberMessages, page by page)."""
        trading = store._ebay_trading()
        exchanges, page = [], 1
        while True:
            reply = trading.execute("GetMemberMessages", {
                "MailMessageType": "All",
                "StartCreationTime": ebay_time(start),
                "EndCreationTime": ebay_time(end),
                "Pagination": {"EntriesPerPage": const.MESSAGES_PAGE_SIZE, "PageNumber": page},
            }, list_nodes=[MESSAGE_LIST_NODE]) or {}
            exchanges += _as_list((reply.get("MemberMessage") or {}).get("MemberMessageExchange"))
            pages = int((reply.get("PaginationResult") or {}).get("TotalNumberOfPages") or 1)
            more = str(reply.get("HasMoreItems") or "").lower() == "true"
            if page >= pages and not more:
                return exchanges
            page += 1

    @api.model
    def _ebay_message_key(self, store, message_id):
        """The Message-Id of the note posting eBay message `message_id` (the dedupe key)."""
        return f"<ebay-message-{store.id}-{message_id}@store-connector>"

    @api.model
    def _ebay_post_buyer_messages(self, store, exchanges):
        """Post each exchange's question on the sale order it is about, once."""
        result = {"posted": 0, "known": 0, "unmatched": 0}
        keys = {}
        for exchange in exchanges:
            question = exchange.get("Question") or {}
            if question.get("MessageID"):
                keys[self._ebay_message_key(store, question["MessageID"])] = exchange
        known = set(self.env["mail.message"].sudo().search([
            ("model", "=", "sale.order"), ("message_id", "in", list(keys)),
        ]).mapped("message_id"))
        for key, exchange in keys.items():
            if key in known:
                result["known"] += 1
                continue
            question = exchange["Question"]
            item = exchange.get("Item") or {}
            binding = self._ebay_message_order_binding(store, question.get("SenderID"), item.get("ItemID"))
            if not binding:
                result["unmatched"] += 1
                continue
            binding.order_id.sudo().message_post(
                body=self._ebay_message_body(store, binding, exchange),
                message_type="comment", subtype_xmlid="mail.mt_note", message_id=key,
                date=to_datetime(exchange.get("CreationDate"), "CreationDate", required=False) or False)
            known.add(key)
            result["posted"] += 1
        return result

    @api.model
    def _ebay_message_order_binding(self, store, sender, item_id):
        """The store's newest order binding of buyer `sender` (platform id or username) with a line of
        eBay item `item_id`; empty when the store imported none (a question before buying)."""
        Binding = self.env["store.order.binding"].sudo()
        if not sender or not item_id:
            return Binding
        line = {"lines": [{"external_ids": {"product_id": str(item_id)}}]}
        documents = [json.dumps(dict(line, customer={key: str(sender)})) for key in ("id", "username")]
        query = Binding._search([("store_id", "=", store.id)], order="platform_created_at desc, id desc",
                                limit=1)
        column = Binding._field_to_sql(Binding._table, "last_payload", query)
        query.add_where(SQL("%s @> ANY(%s::jsonb[])", column, documents))
        return Binding.browse(query.get_result_ids())

    @api.model
    def _ebay_message_body(self, store, binding, exchange):
        question = exchange.get("Question") or {}
        item = exchange.get("Item") or {}
        urls = const.SELLER_HUB_ORDER_URLS
        url = urls.get(getattr(store, "ebay_environment", None) or "production", urls["production"])
        url %= binding.external_id
        header = _("Message from eBay buyer %(buyer)s about %(item)s:",
                   buyer=question.get("SenderID") or "?",
                   item=item.get("Title") or _("item %(id)s", id=item.get("ItemID") or "?"))
        subject = question.get("Subject")
        template = Markup('<p><b>%s</b></p>%s%s<p><a href="%s" target="_blank" rel="noopener">%s</a></p>')
        return template % (
            header,
            Markup("<p><i>%s</i></p>") % subject if subject else "",
            plaintext2html(str(question.get("Body") or "")),
            html_escape(url),
            _("Answer the buyer on eBay (order %(order)s)",
              order=binding.external_number or binding.external_id),
        )
