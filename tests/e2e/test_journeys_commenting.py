"""Journeys 2, 4 and 5 on the demo's seed post, each from the home page: a reader fixes a
comment and sees it held; a reader replies four levels deep, with JavaScript and without; the
post's author answers with the Author badge, which a reader cannot get by typing his name."""

import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from authors.models import User
from authors.roles import AUTHORS, sync_roles
from comments.models import Comment
from tests.e2e.conftest import comment_form, reply_nested_under
from tests.factories import PASSWORD, make_comment, verified_commenter

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def open_seed_post(page, home_url, post):
    page.goto(home_url)
    page.get_by_role("link", name=post.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(post.title)


def test_a_reader_fixes_a_mistake_and_sees_the_comment_held_for_them_alone(demo, seed_post, page, browser, snap):
    open_seed_post(page, demo.url, seed_post)
    form = comment_form(page)
    form.get_by_label("Name", exact=True).fill("Ada Reader")
    form.get_by_label("Email", exact=True).fill("ada@example.com")
    form.get_by_label("Website (optional)").fill("ada.example.org")
    snap(page, "form-without-a-comment")
    form.get_by_role("button", name="Post comment").click()

    body = form.get_by_label("Comment", exact=True)
    expect(body).to_have_attribute("aria-invalid", "true")
    expect(form.locator(".comment-form__field--body .errorlist")).to_have_text("Please write your comment.")
    expect(form.get_by_label("Name", exact=True)).to_have_value("Ada Reader")
    expect(form.get_by_label("Email", exact=True)).to_have_value("ada@example.com")
    expect(form.get_by_label("Website (optional)")).to_have_value("ada.example.org")
    snap(page, "error-next-to-the-field")

    body.fill("Were any of the letters *answered* in public?")
    form.get_by_role("button", name="Post comment").click()
    mine = page.locator(".comment", has_text="Were any of the letters answered in public?")
    expect(mine).to_contain_text("awaiting moderation")
    expect(mine.locator(".comment__author")).to_have_text("Ada Reader")
    assert Comment.objects.get(name="Ada Reader").status == Comment.Status.PENDING
    snap(page, "awaiting-moderation")

    another_reader = browser.new_context()
    other = another_reader.new_page()
    open_seed_post(other, demo.url, seed_post)
    expect(other.locator(".comment__author", has_text="Karl Abraham")).to_be_visible()
    expect(other.get_by_text("Were any of the letters")).to_have_count(0)
    expect(other.get_by_text("awaiting moderation")).to_have_count(0)
    snap(other, "another-reader-does-not-see-it")
    another_reader.close()


def test_a_reader_replies_four_levels_deep_with_and_without_javascript(demo, seed_post, page, browser, snap):
    # Ada has commented here before and confirmed her address, so her replies appear at once and can be answered.
    make_comment(seed_post, name="Ada Reader", email="ada@example.com", body="Thank you for the letters.")
    verified_commenter("ada@example.com")
    abdul = Comment.objects.get(post=seed_post, name="Abdul Momen")

    open_seed_post(page, demo.url, seed_post)
    form = comment_form(page)
    form.get_by_label("Name", exact=True).fill("Ada Reader")
    form.get_by_label("Email", exact=True).fill("ada@example.com")
    form.get_by_label("Remember my name").check()  # so the form stays filled in after each reply
    parent = abdul
    for level in range(1, 5):
        before = page.url
        page.get_by_role("link", name=f"Reply to {parent.name}").click()
        expect(page.locator(f"#comment-{parent.pk} > #respond")).to_have_count(1)
        expect(page.locator("#respond-replying")).to_have_text(f"Replying to {parent.name}. Cancel reply")
        assert page.url == before  # the form moved in place, no page load
        expect(form.get_by_label("Comment", exact=True)).to_be_focused()
        form.get_by_label("Comment", exact=True).fill(f"An answer at level {level}.")
        form.get_by_label("Name", exact=True).fill(f"Ada (level {level})")  # tells the Reply links apart
        if level == 4:
            snap(page, "replying-at-level-4")
        form.get_by_role("button", name="Post comment").click()

        expect(page.locator(".comment__body", has_text=f"An answer at level {level}.")).to_be_visible()
        reply = Comment.objects.get(body=f"An answer at level {level}.")
        expect(page).to_have_url(f"{demo.url}{seed_post.get_absolute_url()}#comment-{reply.pk}")
        assert (reply.parent, reply.level, reply.status) == (parent, level, Comment.Status.APPROVED)
        reply_nested_under(page, parent, reply)
        parent = reply
    expect(
        page.locator(
            f"#comment-{abdul.pk} .comment-children .comment-children .comment-children "
            f".comment-children > #comment-{parent.pk}"
        )
    ).to_have_count(1)
    snap(page, "four-levels-deep")

    # Another time, in a browser without JavaScript: Reply leads to the reply page.
    no_script = browser.new_context(java_script_enabled=False)
    plain = no_script.new_page()
    open_seed_post(plain, demo.url, seed_post)
    level_two = Comment.objects.get(post=seed_post, level=2)
    plain.get_by_role("link", name=f"Reply to {level_two.name}").click()
    expect(plain).to_have_url(re.compile(rf"[?&]replyto={level_two.pk}#respond$"))
    expect(plain.locator(f"#comment-{level_two.pk} > #respond")).to_have_count(1)
    expect(plain.locator("#respond-replying")).to_contain_text(f"Replying to {level_two.name}")
    snap(plain, "reply-page-without-javascript")
    form = comment_form(plain)
    form.get_by_label("Name", exact=True).fill("Ada Reader")
    form.get_by_label("Email", exact=True).fill("ada@example.com")
    form.get_by_label("Comment", exact=True).fill("Answered without JavaScript.")
    form.get_by_role("button", name="Post comment").click()
    # The page came from the shared cache, which holds no CSRF token (blog/page_cache.py): the
    # form comes back, filled in and still under the comment, with this browser's own token.
    expect(plain.get_by_role("alert")).to_contain_text("Your comment is not posted yet")
    expect(plain.locator(f"#comment-{level_two.pk} > #respond")).to_have_count(1)
    expect(form.get_by_label("Comment", exact=True)).to_have_value("Answered without JavaScript.")
    assert not Comment.objects.filter(body="Answered without JavaScript.").exists()
    form.get_by_role("button", name="Post comment").click()

    reply = Comment.objects.get(body="Answered without JavaScript.")
    expect(plain).to_have_url(f"{demo.url}{seed_post.get_absolute_url()}#comment-{reply.pk}")
    assert (reply.parent, reply.level) == (level_two, 3)
    reply_nested_under(plain, level_two, reply)
    expect(plain.locator(f"#comment-{reply.pk} .comment__body")).to_have_text("Answered without JavaScript.")
    snap(plain, "answered-without-javascript")
    no_script.close()


@pytest.fixture
def eugene(demo):
    """The demo's login behind the byline "Eugene Bach", given a password and a place on the staff."""
    sync_roles()  # a browser test's flush may have emptied the groups
    user = User.objects.get(username="eugene")
    user.is_staff = True
    user.set_password(PASSWORD)
    user.save()
    user.groups.add(Group.objects.get(name=AUTHORS))
    return user


def test_the_author_answers_with_the_author_badge_which_a_reader_cannot_claim(
    demo, seed_post, eugene, page, browser, log_in_from_footer, snap
):
    open_seed_post(page, demo.url, seed_post)
    log_in_from_footer(page, "eugene")
    abdul = page.locator(".comment", has=page.locator(".comment__author", has_text="Abdul Momen")).first
    abdul.get_by_role("link", name="Reply to Abdul Momen").click()
    form = comment_form(page)
    expect(form).to_contain_text("Commenting as Eugene Bach")
    form.get_by_label("Comment", exact=True).fill("Thank you, Abdul: the letters keep coming.")
    snap(page, "author-replying")
    form.get_by_role("button", name="Post comment").click()

    answer = Comment.objects.get(user=eugene, body__startswith="Thank you, Abdul")
    shown = page.locator(f"#comment-{answer.pk}")
    expect(shown.locator(".comment__author")).to_have_text("Eugene Bach")
    expect(shown.locator(".badge--author")).to_have_text("Author")
    expect(shown).not_to_contain_text("awaiting moderation")
    snap(page, "author-badge")

    # A reader who types the author's name is turned away, and no badge appears anywhere new.
    readers = browser.new_context()
    reader = readers.new_page()
    open_seed_post(reader, demo.url, seed_post)
    badges = reader.locator(".badge--author")
    expect(badges).to_have_count(2)  # Eugene's demo reply and his answer above
    form = comment_form(reader)
    form.get_by_label("Name", exact=True).fill("Eugene Bach")
    form.get_by_label("Email", exact=True).fill("not.eugene@example.com")
    form.get_by_label("Comment", exact=True).fill("I wrote this post.")
    form.get_by_role("button", name="Post comment").click()
    name = form.get_by_label("Name", exact=True)
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_value("Eugene Bach")
    expect(name).to_have_attribute("aria-describedby", re.compile(r"\bid_name_error\b"))
    expect(form.locator("#id_name_error")).to_contain_text("This name belongs to someone on our team")
    expect(badges).to_have_count(2)
    snap(reader, "reader-cannot-claim-the-name")
    assert not Comment.objects.filter(body="I wrote this post.").exists()
    readers.close()
