"""Photos in the plan's life: a re-import compares and applies them, `campaign diff` checks them without keeping
anything, `campaign export` names them so the export imports to the same photos, and `post correct --image`."""
from __future__ import annotations

import shutil

from support.photos import import_with, media_files, phone_photo, png_photo, stored_images


def _shas(project, post_id: int) -> list[str]:
    return [image["sha256"] for image in stored_images(project, post_id)]


def _one_post(project, images: list[str], *import_args: str):
    """A campaign of one post with ``images`` (a phone JPEG a.jpg and a PNG b.png exist): its file and post id."""
    phone_photo(project.root / "a.jpg")
    png_photo(project.root / "b.png")
    path = import_with(project, "c.toml", images)
    project.ok("campaign", "import", str(path), *import_args)
    (post_id,) = [row[0] for row in project.sql("SELECT id FROM posts")]
    return path, post_id


def test_a_photo_the_file_changes_is_shown_by_diff_without_keeping_it_then_applied(project):
    path, post_id = _one_post(project, ["a.jpg"], "--approve")
    before, kept = _shas(project, post_id), media_files(project)

    import_with(project, "c.toml", ["b.png"])
    plan = project.json("campaign", "diff", str(path))
    changed = [entry for entry in plan["posts"] if entry["action"] == "change"]
    assert len(changed) == 1 and "images" in changed[0]["changes"], plan
    assert media_files(project) == kept  # the new photo was checked, not kept

    project.ok("campaign", "import", str(path), "--replace")
    after = _shas(project, post_id)
    assert after != before and len(after) == 1
    assert project.json("post", "show", str(post_id))["status"] == "draft"  # new photos need a new approval


def test_photos_the_officer_changed_are_kept_by_a_reimport_of_the_same_file(project):
    path, post_id = _one_post(project, ["a.jpg"])
    project.ok("post", "edit", str(post_id), "--image", str(project.root / "b.png"))
    mine = _shas(project, post_id)
    result = project.ok("campaign", "import", str(path), "--replace", "--json")
    assert _shas(project, post_id) == mine, result.stdout


def test_an_export_names_the_photos_and_imports_to_the_same_ones(project, tmp_path):
    path, post_id = _one_post(project, ["a.jpg", "b.png"])
    exported = project.root / "out" / "export.toml"
    exported.parent.mkdir()
    project.ok("campaign", "export", "tuan-le", "-o", str(exported))
    assert "images = [" in exported.read_text(encoding="utf-8")

    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(project.config, other / "config.toml")
    from conftest import Project

    second = Project(other)
    second.ok("init")
    second.ok("campaign", "import", str(exported))
    (copy_id,) = [row[0] for row in second.sql("SELECT id FROM posts")]
    assert _shas(second, copy_id) == _shas(project, post_id)


def test_a_correction_can_replace_the_photos_and_waits_for_approval(project):
    path, post_id = _one_post(project, ["a.jpg"], "--approve")
    project.ok("publish", str(post_id))
    project.ok("post", "correct", str(post_id), "--image", str(project.root / "b.png"))
    post = project.json("post", "show", str(post_id))
    assert post["status"] == "draft" and len(stored_images(project, post_id)) == 1
    assert {change["action"] for change in post["changes"]} == {"update"}
    assert _shas(project, post_id) != []
    message = project.fails("post", "correct", str(post_id), "--image", str(project.root / "missing.jpg"))
    assert "missing.jpg" in message
