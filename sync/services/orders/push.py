"""The Picqer side of one order: create exactly once, process, force-cancel, the follow-up
steps, and the traceability writes (the Picqer order number into PrestaShop, warnings on
both sides).

Exactly once: the link goes to `pushing` and counts the attempt *before* POST /orders;
any later attempt (after a timeout, a 5xx, a crashed worker) first searches Picqer by the
reference, which is unique per PrestaShop order (`PREFIX #id_order / REF`), and adopts what
it finds. The order's lease (OrderLink.LEASE) keeps two workers apart meanwhile.

The traceability writes are not idempotent (a message or comment posted twice shows twice),
so each re-reads the remote side first and only writes what is not there yet.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache

from sync.http.errors import ApiError
from sync.mappers import orders as mapper
from sync.models.orders import OrderLink
from sync.picqer.errors import PicqerUnknownProductError
from sync.picqer.records import Order
from sync.prestashop.records import Order as PsOrder
from sync.services.product_index import product_index_forget
from sync.services.stock.pending import pending_order_cancelled, pending_order_in_picqer

from .content import OrderContent, order_content_build, order_content_products
from .context import OrderContext

State = OrderLink.State
DONE_STATUSES = {"processing": {"processing", "completed"}, "cancelled": {"cancelled"}}
_NOTES_KEPT = "ps:{}:order-note-kept"
NOTES_KEPT_SECONDS = 24 * 3600  # re-proved daily (an upgrade may bring the bug back)


class ForeignOrderError(ApiError):
    """The PrestaShop order belongs to another shop of a multistore install."""


def order_fail(ctx: OrderContext, reason: str) -> None:
    """Stop work on the order until the operator pushes it again (admin action)."""
    ctx.link.failed(reason)
    ctx.log("order_failed", reason, level="error")


def order_create(ctx: OrderContext) -> None:
    """Rule "create": make sure the Picqer order exists, then finish its follow-up steps
    (tags, allocation, warnings, back-reference) that are not done yet."""
    picqer_order = None
    if not ctx.link.picqer_idorder:
        picqer_order = _find_existing(ctx) if ctx.link.attempts else None
        if picqer_order is None:
            picqer_order = _create(ctx)
        if picqer_order is None:
            return
    _follow_up(ctx, picqer_order)
    if ctx.link.picqer_status not in ("", "concept"):
        pending_order_in_picqer(shop=ctx.shop, ps_order_id=ctx.link.ps_order_id)


def order_process(ctx: OrderContext) -> None:
    """Rule "processing": concept → processing (Picqer then allocates and picks)."""
    _transition(
        ctx,
        "processing",
        ctx.picqer.order_process,
        "order_processed",
        "Picqer order set to processing.",
    )


def order_cancel(ctx: OrderContext) -> None:
    """Rule "cancel": force-cancel, even when already picked or shipped (user guide)."""
    link = ctx.link
    if not link.picqer_idorder and not (link.attempts and _find_existing(ctx)):
        if link.state in (State.PENDING, State.PUSHING):  # PUSHING: searched, not found
            link.skipped("Cancelled in PrestaShop before it was sent to Picqer.")
            ctx.log("order_not_sent", link.last_error)
            pending_order_cancelled(shop=ctx.shop, ps_order_id=link.ps_order_id)
        return
    _transition(
        ctx,
        "cancelled",
        lambda idorder: ctx.picqer.order_cancel(idorder, force=True),
        "order_cancelled",
        "Picqer order force-cancelled.",
    )


def _transition(ctx: OrderContext, status: str, call, action: str, message: str) -> None:
    link = ctx.link
    if not link.picqer_idorder or link.picqer_status in DONE_STATUSES[status]:
        return
    try:
        call(link.picqer_idorder)
    except ApiError as exc:
        # Picqer refuses e.g. processing an order that is already processing: re-read.
        if (
            exc.retryable
            or ctx.picqer.order_get(link.picqer_idorder).status not in DONE_STATUSES[status]
        ):
            raise
    link.picqer_status = status
    ctx.save("picqer_status")
    ctx.log(action, message)
    pending_order_in_picqer(shop=ctx.shop, ps_order_id=link.ps_order_id)


def _ps_order(ctx: OrderContext) -> PsOrder:
    link, shop = ctx.link, ctx.shop
    order = ctx.ps.order_get(link.ps_order_id)
    if not order.in_shop(shop.prestashop_shop_id):
        raise ForeignOrderError(
            f"order {link.ps_order_id} belongs to PrestaShop shop "
            f"{order.id_shop}, not {shop.prestashop_shop_id}"
        )
    if link.ps_reference != order.reference[:32]:
        link.ps_reference = order.reference[:32]
        ctx.save("ps_reference")
    ctx.ps_order = order
    return order


def _create(ctx: OrderContext) -> Order | None:
    content = order_content_build(ctx, _ps_order(ctx))
    for attempt in (1, 2):
        if not _claim(ctx, content):
            return None
        try:
            picqer_order = ctx.picqer.order_create(content.body)
        except ApiError as exc:
            if exc.retryable:
                raise  # outcome unknown: stays "pushing", the retry searches by reference
            if attempt == 1 and _index_was_stale(ctx, content, exc):
                content = order_content_products(ctx, content)
                continue
            order_fail(ctx, f"Picqer refused the order: {exc}")
            return None
        _adopt(ctx, picqer_order, "order_created", "Created Picqer order")
        return picqer_order
    return None


def _claim(ctx: OrderContext, content: OrderContent) -> bool:
    """Skip an order without products; else claim the create (committed before Picqer is
    called). False when skipped."""
    link = ctx.link
    warning = (
        mapper.missing_products_text(content.missing, created=content.has_products)
        if content.missing
        else ""
    )
    if not content.has_products:
        order_message_add_once(ctx, warning or "PrestaPicqer: this order has no products.")
        link.skipped(
            "No product of this order was found in Picqer; nothing was sent.", warning=warning
        )
        ctx.log(
            "order_skipped",
            link.last_error,
            level="warning",
            missing=[line.reference for line in content.missing],
        )
        return False
    link.push_started(warning=warning)
    return True


def _index_was_stale(ctx: OrderContext, content: OrderContent, exc: ApiError) -> bool:
    """Picqer's "unknown product" (error 24, nothing created) for an order with lines taken
    from the product index: forget those entries, so the lines are read from Picqer."""
    if not isinstance(exc, PicqerUnknownProductError) or not content.from_index:
        return False
    product_index_forget(account_id=ctx.shop.account_id, productcodes=content.from_index)
    ctx.log(
        "product_index_stale",
        f"Picqer does not know a product the product index had "
        f"for {', '.join(sorted(content.from_index))}; reading them from Picqer and "
        "trying once more.",
        level="warning",
        references=sorted(content.from_index),
    )
    return True


def _find_existing(ctx: OrderContext) -> Order | None:
    """The Picqer order an earlier attempt may have created, adopted into the link."""
    reference = ctx.link.picqer_reference
    found = sorted(
        (o for o in ctx.picqer.orders_find_by_reference(reference) if o.reference == reference),
        key=lambda o: o.idorder,
    )
    if not found:
        return None
    if len(found) > 1:
        ctx.log(
            "order_duplicates",
            f"{len(found)} Picqer orders carry reference {reference}; using the oldest.",
            level="warning",
            idorders=[o.idorder for o in found],
        )
    _adopt(ctx, found[0], "order_adopted", "Found the Picqer order an earlier attempt created:")
    return found[0]


def _adopt(ctx: OrderContext, picqer_order: Order, action: str, message: str) -> None:
    link = ctx.link
    link.created(
        idorder=picqer_order.idorder,
        orderid=picqer_order.orderid,
        status=picqer_order.status or "concept",
    )
    url = mapper.picqer_order_url(subdomain=ctx.shop.account.subdomain, idorder=link.picqer_idorder)
    ctx.log(action, f"{message} {link.picqer_orderid} ({link.picqer_reference}).", url=url)


def _follow_up(ctx: OrderContext, picqer_order: Order | None) -> None:
    link = ctx.link
    for name, step in STEPS:
        if name in link.done_steps:
            continue
        if picqer_order is None and name in ("tags", "allocate"):
            picqer_order = ctx.picqer.order_get(link.picqer_idorder)
        step(ctx, picqer_order)
        link.done_steps = [*link.done_steps, name]
        ctx.save("done_steps")


def _tags(ctx: OrderContext, picqer_order: Order) -> None:
    present = {t.idtag for t in picqer_order.tags}
    for idtag in [int(t) for t in ctx.shop.picqer_tag_ids if int(t) not in present]:
        try:
            ctx.picqer.order_tags_add(ctx.link.picqer_idorder, [idtag])
        except ApiError as exc:
            if exc.retryable:
                raise
            ctx.log("order_tag_failed", f"Tag {idtag} not added: {exc}", level="warning")


def _allocate(ctx: OrderContext, picqer_order: Order) -> None:
    if not ctx.shop.allocate_concept or picqer_order.status != "concept":
        return
    try:
        ctx.picqer.order_allocate(ctx.link.picqer_idorder)
    except ApiError as exc:
        if exc.retryable:
            raise
        ctx.log("order_allocate_failed", f"Stock not allocated: {exc}", level="warning")
        return
    ctx.log("order_allocated", "Stock allocated for the concept order.")
    pending_order_in_picqer(shop=ctx.shop, ps_order_id=ctx.link.ps_order_id)


def _comment(ctx: OrderContext, picqer_order: Order | None) -> None:
    if ctx.link.warning:
        picqer_comment_add_once(ctx, ctx.link.warning)


def _message(ctx: OrderContext, picqer_order: Order | None) -> None:
    if ctx.link.warning:
        order_message_add_once(ctx, ctx.link.warning)
        ctx.log("order_partial", ctx.link.warning, level="warning")


def _backref(ctx: OrderContext, picqer_order: Order | None) -> None:
    order_backref_write(ctx)


STEPS = (
    ("tags", _tags),
    ("allocate", _allocate),
    ("comment", _comment),
    ("message", _message),
    ("backref", _backref),
)


# Traceability writes: the Picqer order number into PrestaShop, warnings on both sides.


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
