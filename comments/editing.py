"""Writers editing or deleting their own comment, for a short window and while it has no replies."""


def remember_editable(request, response, comment):
    """Let this browser edit `comment` during the window (a signed cookie)."""


def edit(request, pk, token=None):
    raise NotImplementedError


def delete(request, pk):
    raise NotImplementedError
