import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from comments.models import Comment
from comments.trees import tree_errors
from tests.factories import PostFactory, make_threads
from tests.factories import comment_node as node

pytestmark = pytest.mark.django_db


def check(*args):
    output = io.StringIO()
    call_command("check_comment_trees", *args, stdout=output)
    return output.getvalue()


@pytest.fixture
def post():
    return PostFactory()


@pytest.fixture
def karl(post):
    """Karl's thread: three replies to Karl, one reply to the first of them."""
    return make_threads(post, node("Karl", node("Eugene", node("Ann")), node("Abdul"), node("Bea")))


def shape(tree_id):
    """(name, level, parent's name) in display order: what a reader would see."""
    comments = Comment.objects.filter(tree_id=tree_id).order_by("lft")
    return [(comment.name, comment.level, comment.parent.name if comment.parent else None) for comment in comments]


KARL_SHAPE = [("Karl", 0, None), ("Eugene", 1, "Karl"), ("Ann", 2, "Eugene"), ("Abdul", 1, "Karl"), ("Bea", 1, "Karl")]


def test_sound_trees_pass(karl, post):
    make_threads(post, node("Second thread", node("Reply")))

    output = check()

    assert "Checked 2 comment tree(s) (7 comments): no problems." in output


def test_an_empty_forest_passes(db):
    assert "Checked 0 comment tree(s) (0 comments): no problems." in check()


def test_corrupt_numbers_fail_the_check_and_the_repair_restores_the_thread(karl):
    tree_id = karl["Karl"].tree_id
    # What two unguarded writers leave behind: both replies took the same slot.
    Comment.objects.filter(pk=karl["Bea"].pk).update(lft=F("lft") - 2, rght=F("rght") - 2)

    with pytest.raises(CommandError, match=r"1 broken comment tree\(s\); run with --repair"):
        check()
    output = check("--repair")

    assert f"tree {tree_id}: lft/rght are not 1…2n without gaps or duplicates" in output
    assert f"Rebuilt 1 tree(s): {tree_id}." in output
    assert output.strip().endswith("Checked 1 comment tree(s) (5 comments): no problems.")
    assert tree_errors(Comment.objects.all()) == []
    assert shape(tree_id) == KARL_SHAPE  # siblings back in the order they were written


def test_overlapping_sibling_intervals_are_caught(post):
    thread = make_threads(post, node("Root", node("A"), node("B"), node("C")))
    # Each stays inside the root and 1…2n is still used exactly once, but the intervals cross.
    for name, lft, rght in [("A", 2, 5), ("B", 3, 6), ("C", 4, 7)]:
        Comment.objects.filter(pk=thread[name].pk).update(lft=lft, rght=rght)

    errors = tree_errors(Comment.objects.all())

    assert f"tree {thread['Root'].tree_id}: comment {thread['A'].pk}: interval 2–5 for 1 comment(s)" in errors
    assert len(errors) == 3
    check("--repair")
    assert [name for name, *_ in shape(thread["Root"].tree_id)] == ["Root", "A", "B", "C"]


def test_two_roots_sharing_a_tree_id_are_split_apart(karl, post):
    other = make_threads(post, node("Zoe", node("Yan", node("Xia"))))
    # What two unguarded new threads leave behind: both took MAX(tree_id) + 1.
    Comment.objects.filter(tree_id=other["Zoe"].tree_id).update(tree_id=karl["Karl"].tree_id)

    with pytest.raises(CommandError):
        check()
    output = check("--repair")

    assert f"tree {karl['Karl'].tree_id}: 2 roots" in output
    assert tree_errors(Comment.objects.all()) == []
    zoe = Comment.objects.get(pk=other["Zoe"].pk)
    assert zoe.tree_id > karl["Karl"].tree_id
    assert shape(karl["Karl"].tree_id) == KARL_SHAPE
    assert shape(zoe.tree_id) == [("Zoe", 0, None), ("Yan", 1, "Zoe"), ("Xia", 2, "Yan")]


def test_a_wrong_level_is_caught_and_repaired(karl):
    Comment.objects.filter(pk=karl["Ann"].pk).update(level=1)

    output = check("--repair")

    assert f"comment {karl['Ann'].pk}: level 1, parent's 1" in output
    assert Comment.objects.get(pk=karl["Ann"].pk).level == 2
    assert tree_errors(Comment.objects.all()) == []


def test_a_reply_numbered_in_another_thread_goes_back_to_its_parent(karl, post):
    other = make_threads(post, node("Zoe"))
    Comment.objects.filter(pk=karl["Ann"].pk).update(tree_id=other["Zoe"].tree_id, lft=2, rght=3, level=1)

    output = check("--repair")

    assert f"comment {karl['Ann'].pk}: parent {karl['Eugene'].pk} is in another tree" in output
    assert tree_errors(Comment.objects.all()) == []
    assert shape(karl["Karl"].tree_id) == KARL_SHAPE
    assert shape(other["Zoe"].tree_id) == [("Zoe", 0, None)]


def test_what_renumbering_cannot_fix_still_fails(karl):
    # A reply moved to another post: the repair does not guess which post it belongs to.
    Comment.objects.filter(pk=karl["Bea"].pk).update(post=PostFactory())

    with pytest.raises(CommandError, match=r"1 comment tree\(s\) are still broken"):
        check("--repair")
    assert tree_errors(Comment.objects.all()) == [f"tree {karl['Karl'].tree_id}: comments of several posts"]


def test_only_broken_trees_are_rewritten(karl, post):
    sound = make_threads(post, node("Sound", node("Reply")))
    Comment.objects.filter(pk=karl["Ann"].pk).update(level=7)

    output = check("--repair")

    assert f"Rebuilt 1 tree(s): {karl['Karl'].tree_id}." in output
    assert sound["Sound"].tree_id != karl["Karl"].tree_id
