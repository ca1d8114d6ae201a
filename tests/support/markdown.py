"""Markdown as a reader sees it: the YAML front matter and CommonMark tokens of a decision record."""

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token


def parsed(markdown: str) -> tuple[dict, list[Token]]:
    """The YAML front matter, and the CommonMark tokens of the rest."""
    assert markdown.startswith("---\n")
    front_matter, body = markdown.removeprefix("---\n").split("\n---\n", 1)
    return yaml.safe_load(front_matter), MarkdownIt("commonmark").parse(body)


def shown(inline: Token) -> str:
    """What a reader sees of an inline token: its text and code, escapes resolved."""
    return "".join(child.content for child in inline.children if child.type in ("text", "code_inline"))


def headings(tokens: list[Token]) -> list[tuple[int, str]]:
    return [(int(token.tag[1]), shown(tokens[i + 1])) for i, token in enumerate(tokens) if token.type == "heading_open"]


def section(tokens: list[Token], title: str) -> list[Token]:
    """The tokens under a heading, up to the next heading of its level or higher."""
    start = next(i for i, token in enumerate(tokens) if token.type == "heading_open" and shown(tokens[i + 1]) == title)
    level = tokens[start].tag
    end = next(
        (i for i in range(start + 3, len(tokens)) if tokens[i].type == "heading_open" and tokens[i].tag <= level),
        len(tokens),
    )
    return tokens[start + 3 : end]


def items(tokens: list[Token]) -> list[str]:
    """The text of each list item's paragraph."""
    return [shown(tokens[i + 2]) for i, token in enumerate(tokens) if token.type == "list_item_open"]
