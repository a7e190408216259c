"""Form widgets that render long option lists in Python instead of one template include per option."""

from __future__ import annotations

from django import forms
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe


def _attrs(attrs: dict) -> str:
    # As django/forms/widgets/attrs.html: False leaves the attribute out, True writes its name alone.
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(format_html(" {}", name) if value is True else format_html(' {}="{}"', name, str(value)))
    return "".join(parts)


class FastSelect(forms.Select):
    """The HTML of forms.Select, byte for byte, without a template render per option.

    Django renders each <option> through its own template include; for the ~250 countries of the intake's "what
    happened" step that was most of the page's time (about 200 ms of CPU per GET under load, issue 18, py-spy).
    tests/helpline/test_widgets.py compares the output with forms.Select's.
    """

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        lines = []
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                lines.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:
                lines.append(
                    format_html(
                        # The trailing newline is the option template file's own last line.
                        '\n  <option value="{}"{}>{}</option>\n',
                        str(option["value"]),
                        mark_safe(_attrs(option["attrs"])),  # noqa: S308 - built by format_html above
                        conditional_escape(option["label"]),
                    )
                )
            if group_name:
                lines.append(mark_safe("\n  </optgroup>"))
        return format_html(
            '<select name="{}"{}>{}\n</select>',
            widget["name"],
            mark_safe(_attrs(widget["attrs"])),  # noqa: S308 - built by format_html above
            mark_safe("".join(lines)),  # noqa: S308 - each part built by format_html
        )
