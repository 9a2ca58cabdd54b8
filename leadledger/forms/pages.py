"""The HTML of web forms: the embeddable snippet (also served at ``GET /f/{public_key}`` for an
iframe) and the thank-you page. Plain HTML: no script, no external asset."""

from html import escape

from leadledger.forms import rules

LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "phone": "Phone",
    "title": "Job title",
    "company_name": "Company",
    "website": "Website",
    "country": "Country",
    "consent_source": "I agree to be contacted",
}
INPUT_TYPES = {"email": "email", "phone": "tel", "website": "url"}
MAX_LENGTHS = {
    "first_name": 100,
    "last_name": 100,
    "email": 320,
    "phone": 60,
    "title": 200,
    "company_name": 300,
    "website": 2000,
    "country": 100,
    "consent_source": 200,
}
# off-screen rather than type=hidden: bots fill visible-looking text inputs
_HONEYPOT_STYLE = "position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden"


def label(name: str) -> str:
    if rules.is_custom(name):
        return name.removeprefix(rules.CUSTOM_PREFIX).replace("_", " ").capitalize()
    return LABELS[name]


def _input(name: str, *, form_name: str, required: bool) -> str:
    ident = escape(f"ll-{form_name}-{name.replace('.', '-')}")
    star = " *" if required else ""
    if name == "consent_source":  # a checkbox: its value says where consent was given
        return (
            f'  <p><label><input type="checkbox" name="consent_source" '
            f'value="form:{escape(form_name)}"{" required" if required else ""}> '
            f"{escape(LABELS[name])}{star}</label></p>"
        )
    attributes = [
        f'type="{INPUT_TYPES.get(name, "text")}"',
        f'id="{ident}"',
        f'name="{escape(name)}"',
        f'maxlength="{MAX_LENGTHS.get(name, 2000)}"',
    ]
    if required:
        attributes.append("required")
    return (
        f'  <p><label for="{ident}">{escape(label(name))}{star}</label><br>\n'
        f"  <input {' '.join(attributes)}></p>"
    )


def form_html(
    *, name: str, fields: list[str], required: list[str], action: str, submit: str = "Send"
) -> str:
    """A self-contained ``<form>`` posting to ``action``: one labelled input per allowed field,
    the hidden honeypot and a submit button."""
    lines = [
        f'<form method="post" action="{escape(action)}" accept-charset="UTF-8" '
        f'class="leadledger-form" data-form="{escape(name)}">',
        *(_input(f, form_name=name, required=f in required) for f in fields),
        f'  <div aria-hidden="true" style="{_HONEYPOT_STYLE}">',
        f'    <label>Leave this empty <input type="text" name="{rules.HONEYPOT}" value="" '
        'tabindex="-1" autocomplete="off"></label>',
        "  </div>",
        f'  <p><button type="submit">{escape(submit)}</button></p>',
        "</form>",
    ]
    return "\n".join(lines) + "\n"


def page(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="robots" content="noindex">\n<title>{escape(title)}</title>\n</head>\n'
        f"<body>\n{body}</body>\n</html>\n"
    )


def thank_you() -> str:
    return page("Thank you", "<p>Thank you: we have received your details.</p>\n")
