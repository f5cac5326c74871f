"""Plain-text rendering of neutral replies for the console."""

from __future__ import annotations

from bot.model import Reply


def render_block(where: str, reply: Reply) -> str:
    """One block of output: a `[where]` header, then the reply indented beneath it."""
    lines = [f"[{where}]"]
    if reply.title:
        lines.append(f"  ** {reply.title} **")
    for line in reply.text.splitlines():
        lines.append(f"  {line}" if line else "")
    for field in reply.fields:
        value_lines = field.value.splitlines() or [""]
        lines.append(f"  {field.name}: {value_lines[0]}")
        lines.extend(f"    {more}" for more in value_lines[1:])
    if reply.file is not None:
        lines.append(f"  (file: {reply.file.filename}, {len(reply.file.content):,} bytes)")
    if reply.buttons:
        lines.append(
            "  " + "  ".join(f"[{n}: {b.label}]" for n, b in enumerate(reply.buttons, start=1))
        )
    return "\n".join(lines)
