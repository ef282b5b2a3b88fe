"""Old WordPress addresses that keep working after an import: 301s in the redirect table.

The importer collects one `Moved` per thing it created (post, page, author, category, tag,
comment) and calls `record_links(site, moved)` once, inside its transaction.
"""

from dataclasses import dataclass


@dataclass
class Moved:
    kind: str  # ImportedItem.Kind: "post", "page", "attachment", "category", "tag", "author", "comment"
    source_id: str  # the WordPress ID (posts, pages, comments) or slug/login (terms, authors)
    old_url: str  # the WordPress permalink as the file gives it ("" when unknown)
    new_url: str  # our address for it (a path)
    post_source_id: str = ""  # for a comment: the WordPress ID of its post
