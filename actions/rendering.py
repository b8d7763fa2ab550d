"""Render a `Reply` for the channel the student uses.

- socket.io (the web widget): markdown; links as [title](url); next steps as quick
  replies, link buttons opening their page.
- REST: short plain text (a link's title only), buttons as data, and the sources and
  links as a `custom` payload ({"sources": [{"title", "url", "year"}], "links":
  [{"title", "url"}]}) for a school's own front end; in the career-fit conversation also
  "quiz": {"statement", "number", "of", "read_as"}.
- `rasa shell` (cmdline): plain text, each link's address after its title, with the
  next steps as questions to type, because the shell's button menu would not let a
  student type a question.
"""
from typing import Any, Dict, List

from actions.replies import Button, Line, Reply

WIDGET_CHANNEL = "socketio"
SHELL_CHANNEL = "cmdline"

#: The widget renders bot text as markdown, where a line break needs two trailing
#: spaces; a blank line would make Rasa's socket.io channel split the reply.
MARKDOWN_LINE_BREAK = "  \n"


def markdown_line(line: Line) -> str:
    link = f"[{line.link.title}]({line.link.url})" if line.link else ""
    return f"{line.text}{link}{line.tail}"


def plain_line(line: Line, with_address: bool = True) -> str:
    """The line as plain text: a link as its title, followed by its address (`with_address`)."""
    if not line.link:
        return f"{line.text}{line.tail}"
    if line.link.title == line.link.url:
        link = line.link.url
    else:
        link = f"{line.link.title} ({line.link.url})" if with_address else line.link.title
    return f"{line.text}{link}{line.tail}"


def render(reply: Reply, channel: str) -> List[Dict[str, Any]]:
    """The keyword arguments of each `dispatcher.utter_message` call for this reply."""
    if channel == WIDGET_CHANNEL:
        return _for_the_widget(reply)
    if channel == SHELL_CHANNEL:
        return _for_the_shell(reply)
    return _for_rest(reply)


def _for_the_widget(reply: Reply) -> List[Dict[str, Any]]:
    text = MARKDOWN_LINE_BREAK.join(markdown_line(line) for line in reply.lines)
    if any(step.url for step in reply.next_steps):
        # Rasa's socket.io channel drops a button's url; the widget reads quick replies as sent.
        quick_replies = [_quick_reply(step) for step in reply.next_steps]
        return [{"json_message": {"data": {"text": text, "quick_replies": quick_replies}}}]
    return [{"text": text, "buttons": [_button(step) for step in reply.next_steps]}]


def _for_the_shell(reply: Reply) -> List[Dict[str, Any]]:
    lines = [plain_line(line) for line in reply.lines]
    questions = [step.title for step in reply.next_steps if not step.url]  # links are in the text
    if questions:
        lines.append("You could ask: " + " / ".join(questions))
    return [{"text": "\n".join(lines)}]


def _for_rest(reply: Reply) -> List[Dict[str, Any]]:
    text = "\n".join(plain_line(line, with_address=False) for line in reply.lines)
    messages: List[Dict[str, Any]] = [{"text": text, "buttons": [_button(step) for step in reply.next_steps]}]
    data: Dict[str, Any] = {}
    if reply.citations:
        data["sources"] = [{"title": c.title, "url": c.url, "year": c.year} for c in reply.citations]
    links = [{"title": line.link.title, "url": line.link.url} for line in reply.lines if line.link]
    if links:
        data["links"] = links
    if reply.quiz:
        quiz = reply.quiz
        data["quiz"] = {"statement": quiz.statement, "number": quiz.number, "of": quiz.of, "read_as": quiz.read_as}
    if data:
        messages.append({"json_message": data})
    return messages


def _button(step: Button) -> Dict[str, str]:
    if step.url:
        return {"title": step.title, "url": step.url, "type": "web_url"}
    return {"title": step.title, "payload": step.payload}


def _quick_reply(step: Button) -> Dict[str, str]:
    if step.url:
        return {"type": "web_url", "title": step.title, "url": step.url}
    return {"content_type": "text", "title": step.title, "payload": step.payload}
