"""Page pieces: the README's title and sections, its links re-pointed from docs/."""

from __future__ import annotations

from pathlib import Path

from infra.docs.pages import readme_parts, rebased_links


def test_the_readme_title_is_the_page_title_and_the_rest_is_kept():
    assert readme_parts("# Title\n\nIntro.\n## Part\ntext\n") == ("Title", "Intro.\n## Part\ntext")
    assert readme_parts("No title\n") == ("", "No title")


def test_relative_links_reach_the_same_files_from_docs_and_others_stay():
    prose = ("[code](../../functions/x/app.py) [here](notes.md#part) [web](https://example.com) "
             "[anchor](#how-it-works) ![pic](img/a.png)")
    rebased = rebased_links(prose, Path("/project/patterns/x"), Path("/project"))
    assert rebased == ("[code](../functions/x/app.py) [here](../patterns/x/notes.md#part) [web](https://example.com) "
                       "[anchor](#how-it-works) ![pic](../patterns/x/img/a.png)")
