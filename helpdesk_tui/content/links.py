"""Decide whether a link's visible text already tells the reader where it goes."""

_SCHEMES_SHOWN_WITHOUT_PREFIX = ("mailto", "tel", "http", "https")


def label_shows_target(label: str, href: str) -> bool:
    """Tell whether label is href itself, give or take a trailing slash or a scheme prefix."""
    # Anything else gets its URL printed: link text that names another site is phishing.
    label = label.strip().rstrip("/")
    target = href.strip().rstrip("/")
    if label == target:
        return True
    scheme, _, rest = target.partition(":")
    if scheme.lower() in _SCHEMES_SHOWN_WITHOUT_PREFIX:
        return label == rest.removeprefix("//")
    return False
