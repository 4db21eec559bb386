"""The outbox: every message the portal sends to a user, on every channel, leaves through here.

Layering: portal ← branches ← members ← notifications ← orglife/evaluations/practice ← reports. Apps above
call `notifications.services.message_send`; this app imports only portal, branches and members.

Rows
    Message   one notice to one user (recipient, kind, title, text, link, urgency, created, read_at). It is
              also the in-portal notice: the message centre lists a user's Messages and marks them read.
    Delivery  one row per (message, channel): state pending → sent, or failed with the reason; `attempts`,
              `next_attempt_at`, `last_error`, `sent_at`. Unique (message, channel): a message goes out on a
              channel at most once.

Writing
    message_send(*, recipient, kind, title, text, link="", urgency=..., key="", channels=None) creates the
    Message and its Deliveries in the caller's transaction and, on commit, asks a worker to deliver them.
    Nothing is sent inside the transaction: a rolled-back write sends nothing, a committed one is never lost.
    `key` (optional) makes the call idempotent per recipient: a second call with the same key returns None.

Delivering
    The Celery task `notifications.deliver_pending` (queued on commit, and run by beat every minute, so a lost
    task or a broker outage only delays delivery) takes due pending rows with SELECT … FOR UPDATE SKIP LOCKED,
    one row per transaction, and calls the channel. The row is marked sent only after the channel returned;
    a failure adds an attempt and waits NOTIFICATIONS_RETRY_BASE_SECONDS · 2^(n-1) (capped) before the next
    try; after NOTIFICATIONS_MAX_ATTEMPTS the row is failed with the last error. Two workers never send the
    same row (the lock); a worker killed between the far end accepting and the commit can send it once more
    (at-least-once at that one point; e-mail carries a stable Message-ID so mail clients fold the copy).

Channels (notifications/channels.py) — the interface another channel implements:

    class WeComChannel(Channel):
        name = "wecom"                 # stored in Delivery.channel: never rename
        label = _("企业微信")           # shown in the message centre

        def accepts(self, recipient, kind: str) -> bool:
            # Can this recipient be reached here for this kind of message (address known, opted in)?
            ...

        def send(self, delivery) -> None:
            # Deliver delivery.message. Return only when the far end accepted it; raise on any failure
            # (the outbox retries with backoff). Raise PermanentFailure when retrying cannot help
            # (no such address): the row is failed at once with that reason.
            ...

    register(WeComChannel())          # in the app's AppConfig.ready()

`channels_for(recipient, kind)` is every registered channel that accepts the recipient; message_send uses it
unless the caller names channels. The e-mail channel (EmailChannel, name "email") ships here.
"""
