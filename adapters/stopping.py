"""How long a replica takes to stop: within 10 s of SIGTERM, `docker stop`'s grace period.

On SIGTERM a server stops accepting connections, lets requests in flight finish for at most
:data:`SHUTDOWN_TIMEOUT` seconds, then lets the work that runs after Slack got its
acknowledgement finish for at most :data:`DRAIN_TIMEOUT`, and gives back its outbox leases
(:meth:`bot.notify.outbox.OutboxWorker.release`) so the other replicas deliver what it had
claimed at once. Whatever is cut off is repeated elsewhere: the outbox is durable, and an
event Slack saw unacknowledged is sent again.
"""

SHUTDOWN_TIMEOUT = 3.0
DRAIN_TIMEOUT = 4.0
