"""Traceability writes: Picqer order number into PrestaShop, warnings on both sides.

These writes are not idempotent (a message or comment posted twice shows twice), so each
re-reads the remote side first and only writes what is not there yet.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache

from sync.http.errors import ApiError
from sync.mappers import orders as mapper

from .links import OrderContext

_NOTES_KEPT = "ps:{}:order-note-kept"
NOTES_KEPT_SECONDS = 24 * 3600  # re-proved daily (an upgrade may bring the bug back)


def order_backref_write(ctx: OrderContext) -> str:
    """Put the Picqer order number into the PrestaShop order note and read it back: some
    versions ignore `note` (PrestaShop#37255; it does not exist before 1.7.8). Falls back to
    a private order message. Returns "note" or "message"."""
    link = ctx.link
    try:
        # The order read by this push (if any) says whether a note exists and holds the
        # number already; the update itself reads the order again before its full PUT.
        order = ctx.ps_order or ctx.ps.order_get(link.ps_order_id)
        if order.note is None:
            # Before 1.7.8 orders have no note: writing one would PUT the whole order back
            # for nothing (and be refused), so go straight to the private message.
            return _backref_as_message(ctx, "this PrestaShop version has no order note")
        if not mapper.note_has_orderid(order.note, link.picqer_orderid):
            order = ctx.ps.order_note_set(
                link.ps_order_id, mapper.note_with_orderid(order.note, link.picqer_orderid)
            )
            if not _shop_keeps_notes(ctx):
                # Some versions answer with the note yet do not store it: read back until
                # this shop has shown once that it keeps the note.
                order = ctx.ps.order_get(link.ps_order_id)
                if mapper.note_has_orderid(order.note, link.picqer_orderid):
                    cache.set(_NOTES_KEPT.format(ctx.shop.pk), True, NOTES_KEPT_SECONDS)
        if mapper.note_has_orderid(order.note, link.picqer_orderid):
            ctx.log(
                "backref_note",
                f"Picqer order {link.picqer_orderid} written to the PrestaShop order note.",
            )
            return "note"
        reason = "the shop did not keep the note"
    except ApiError as exc:
        if exc.retryable:
            raise
        reason = str(exc)
    return _backref_as_message(ctx, reason)


def _shop_keeps_notes(ctx: OrderContext) -> bool:
    return bool(cache.get(_NOTES_KEPT.format(ctx.shop.pk)))


def _backref_as_message(ctx: OrderContext, reason: str) -> str:
    orderid = ctx.link.picqer_orderid
    order_message_add_once(ctx, mapper.note_line(orderid))
    ctx.log(
        "backref_message",
        f"Picqer order {orderid} written as a private PrestaShop order message ({reason}).",
    )
    return "message"


def order_message_add_once(ctx: OrderContext, text: str) -> bool:
    """Add a private message to the PrestaShop order unless an identical one is there.
    Returns True when it was added.

    A private message is not idempotent, so the link records that this message is on its way
    before it is posted. Only when an earlier attempt got that far (a timeout, a crash) is
    the order's thread read to see whether it arrived; the first attempt writes at once, in a
    thread of its own (the back office shows every thread of the order on its page)."""
    ps, link = ctx.ps, ctx.link
    started = f"message:{hashlib.sha256(text.encode()).hexdigest()[:16]}"
    if started not in link.done_steps:
        link.done_steps = [*link.done_steps, started]
        ctx.save("done_steps")
        ps.private_message_add(
            link.ps_order_id, text, order=ctx.ps_order, customer=ctx.ps_customer, threads=[]
        )
        return True
    threads = ps.customer_threads_for_order(link.ps_order_id)  # also the thread it joins
    for thread in threads:
        for message in ps.customer_messages_for_thread(thread.id):
            if mapper.clean(message.message) == text:
                return False
    ps.private_message_add(
        link.ps_order_id, text, order=ctx.ps_order, customer=ctx.ps_customer, threads=threads
    )
    return True


def picqer_comment_add_once(ctx: OrderContext, text: str) -> bool:
    """Add a comment to the Picqer order unless an identical one is there."""
    idorder = ctx.link.picqer_idorder
    if any(c.body.strip() == text for c in ctx.picqer.order_comments_list(idorder)):
        return False
    ctx.picqer.order_comment_add(idorder, text)
    return True
