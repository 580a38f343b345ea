"""Is a page inert? What a browser would run, parsed the way a browser parses it.

html5lib parses a page or fragment by the HTML standard. `active_parts` lists what in it
could run script or load a foreign document: script elements, event-handler attributes,
URLs with a scheme other than http, https, mailto or none, styles that call `expression`
or `url`, and every element and attribute name with its namespace. A hostile page is
inert when it has nothing the same page built from benign words lacks (our own templates
put scripts, forms and inputs on some pages), beyond the markdown allow-list.
"""

import json
import re
from urllib.parse import urlsplit

import html5lib

from newsletter.content.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS

HTML = "http://www.w3.org/1999/xhtml"
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "poster", "data", "background", "cite",
    "longdesc", "lowsrc", "dynsrc", "ping", "xlink:href", "manifest", "codebase",
}  # fmt: skip
SAFE_SCHEMES = {"", "http", "https", "mailto"}
DATA_SCRIPT_TYPES = {"application/ld+json", "application/json"}
# What the highlighter, the diff and the markdown output add around editors' words.
CONTENT_TAGS = ALLOWED_TAGS | {"mark", "ins", "del"}
# Elements that run, embed, submit or restyle: present only where our templates put them.
DANGEROUS_TAGS = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form",
    "input", "button", "textarea", "select", "option", "base", "meta", "link", "isindex",
    "keygen", "template", "noscript", "svg", "math", "video", "audio", "source", "track",
    "marquee", "dialog", "details", "portal", "xmp", "noembed", "plaintext", "listing",
}  # fmt: skip
DANGEROUS_ATTRIBUTES = {"style", "srcdoc", "action", "formaction", "autofocus", "srcset"}
_STYLE_DANGER = re.compile(r"expression\s*\(|url\s*\(|javascript:|behavior|binding|@import", re.I)
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def _name(element) -> tuple[str, str]:
    namespace, _, tag = element.tag.rpartition("}")
    return namespace.lstrip("{"), tag


def _scheme(url: str) -> str:
    # Browsers drop tabs, line breaks and leading controls before reading a scheme.
    cleaned = _CONTROL.sub("", url)
    try:
        return urlsplit(cleaned).scheme.lower()
    except ValueError:
        return "unparseable"


def parse(markup: str, *, fragment: bool = False):
    parser = html5lib.HTMLParser(namespaceHTMLElements=True)
    if fragment:
        root = parser.parseFragment(markup)
        return root
    return parser.parse(markup)


def active_parts(markup: str, *, fragment: bool = False) -> set[tuple]:
    """Everything in `markup` that could run, load, or is an element or attribute name."""
    parts: set[tuple] = set()
    root = parse(markup, fragment=fragment)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # a comment
        namespace, tag = _name(element)
        parts.add(("element", namespace, tag))
        if tag in DANGEROUS_TAGS:
            parts.add(("dangerous", namespace, tag))
        if namespace != HTML:
            parts.add(("foreign", namespace, tag))
        for raw_name, value in element.attrib.items():
            name = raw_name.rpartition("}")[2] if raw_name.startswith("{") else raw_name
            name = name.lower()
            parts.add(("attribute", tag, name))
            if name in DANGEROUS_ATTRIBUTES:
                parts.add(("dangerous", tag, name))
            if name.startswith("on"):
                parts.add(("handler", tag, name, value))
            if name in URL_ATTRIBUTES or raw_name.endswith("}href"):
                scheme = _scheme(value)
                if scheme not in SAFE_SCHEMES:
                    parts.add(("url", tag, name, scheme, value))
            if name == "srcset":
                for candidate in value.split(","):
                    scheme = _scheme(candidate.strip().split(" ")[0])
                    if scheme not in SAFE_SCHEMES:
                        parts.add(("url", tag, name, scheme, value))
            if name == "style" and _STYLE_DANGER.search(value):
                parts.add(("style", tag, value))
            if name == "http-equiv" and value.lower() == "refresh":
                parts.add(("refresh", element.attrib.get("content", "")))
        if tag == "script":
            kind = (element.attrib.get("type") or "text/javascript").lower()
            text = element.text or ""
            if kind in DATA_SCRIPT_TYPES:
                json.loads(text)  # a breakout would leave it unparseable
                parts.add(("data-script", kind))
            else:
                parts.add(("script", element.attrib.get("src", ""), text.strip()))
        if tag == "style":
            parts.add(("style-element", (element.text or "").strip()))
    return parts


def allowed_for_content() -> set[tuple]:
    """What the markdown allow-list lets editors' text put on any page."""
    allowed = {("element", HTML, tag) for tag in CONTENT_TAGS}
    allowed |= {
        ("attribute", tag, name) for tag, names in ALLOWED_ATTRIBUTES.items() for name in names
    }
    # Images get these from the markdown touch-ups; aligned table cells a class.
    allowed |= {("attribute", "img", "loading"), ("attribute", "img", "decoding")}
    allowed |= {("attribute", "td", "class"), ("attribute", "th", "class")}
    return allowed


NAMES = {"element", "attribute"}


def findings(parts: set[tuple], same_kind: set[tuple], any_kind: set[tuple]) -> set[tuple]:
    """What a hostile output's `parts` hold beyond its benign twin's.

    Whatever could run must appear on the benign page of the same kind (`same_kind`);
    element and attribute names only on some benign page (`any_kind`: the structure of
    a page varies with what it lists) or in the markdown allow-list.
    """
    allowed = allowed_for_content()
    # An attribute the allow-list keeps (a table cell's text-align) is no finding either.
    allowed |= {("dangerous", *part[1:]) for part in allowed if part[0] == "attribute"}
    return {
        part
        for part in parts
        if part not in allowed
        and (part not in any_kind if part[0] in NAMES else part not in same_kind)
    }
