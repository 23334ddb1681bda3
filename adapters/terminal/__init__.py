"""``protocolwijzer chat``: the same conversations in a terminal, for admins over SSH."""
