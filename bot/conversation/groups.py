"""Onboarding by taste groups: pick the groups of movies you like before rating single films.

The groups come from the recommender (clusters of well-known movies in the model's embedding space,
or by genre without a model). /start offers them to newcomers and /groups to anyone, any time. A
liked group is stored as its movies, and each of those movies counts in the user's history as a weak
positive of :data:`LIKED_STARS` until the user rates it (their own rating replaces it) or removes the
group. /myratings lists the liked groups, each with a button to remove it.
"""

from __future__ import annotations

from bot.conversation import callbacks, ratings
from bot.conversation.messages import Button, Reply, Response
from bot.conversation.replies import button_label, esc, format_stars
from bot.conversation.turn import Turn
from db import access
from movierec.serving.history import LIKED_STARS

GROUP_COUNT = 6
NO_GROUPS = "I have no groups of movies to offer right now: send me movies you've seen with stars instead."


def picker(turn: Turn, *, edit: bool = False) -> Reply | None:
    """The group picker, liked groups ticked; None when the model offers no groups."""
    groups = [g for g in turn.recommender.movie_groups(GROUP_COUNT) if len(g.movie_ids) == callbacks.GROUP_SIZE]
    if not groups:
        return None
    liked = {tuple(g.movie_id_list) for g in access.liked_groups(turn.session, turn.user_id)}
    lines = ["Which of these kinds of movies do you like? Tap every group that fits, then “Done”."]
    buttons: list[Button] = []
    for number, group in enumerate(groups, start=1):
        mark = "✅" if group.movie_ids in liked else "▫️"
        titles = ", ".join(turn.title(m) for m in group.movie_ids)
        lines.append(f"{mark} <b>{number}. {esc(group.label)}</b>: {esc(titles)}")
        buttons.append(Button(button_label(f"{mark} {number}. {group.label}"),
                              callbacks.encode(callbacks.Group(group.movie_ids))))
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    rows.append([Button("Done ▶", callbacks.encode(callbacks.GroupsDone()))])
    return Reply("\n".join(lines), rows, edit)


def groups_command(turn: Turn) -> Response:
    """``/groups``: the picker again, to like more groups or un-like some."""
    card = picker(turn)
    return Response(replies=[card]) if card else Response().say(NO_GROUPS)


def on_group(turn: Turn, action: callbacks.Group) -> Response:
    """Like the group, or un-like it when it was liked; the picker is redrawn with its ticks."""
    movie_ids = [turn.known_movie(m) for m in action.movie_ids]
    if None in movie_ids:
        return ratings.stale_button()
    if access.like_group(turn.session, turn.user_id, action.movie_ids):
        answer = "👍 Noted: I'll use this group for your picks"
    else:
        access.unlike_group(turn.session, turn.user_id, movie_ids=action.movie_ids)
        answer = "Removed that group"
    card = picker(turn, edit=True)
    return Response(callback_answer=answer, replies=[card] if card else [])


def liked_movie_ids(turn: Turn) -> list[int]:
    """Movies of the user's liked groups that the current catalog serves (recommendation seeds)."""
    seeds = (turn.known_movie(m) for g in access.liked_groups(turn.session, turn.user_id) for m in g.movie_id_list)
    return list(dict.fromkeys(m for m in seeds if m is not None))


def liked_section(turn: Turn) -> tuple[list[str], list[list[Button]]]:
    """The "liked groups" lines and remove buttons shown by /myratings."""
    lines: list[str] = []
    rows: list[list[Button]] = []
    for number, group in enumerate(access.liked_groups(turn.session, turn.user_id), start=1):
        titles = [turn.title(m) for m in (turn.known_movie(i) for i in group.movie_id_list) if m is not None]
        lines.append(f"👍 {number}. {esc(', '.join(titles) or 'movies no longer served')}")
        rows.append([Button(f"🗑 Remove liked group {number}", callbacks.encode(callbacks.UnlikeGroup(group.id)))])
    if lines:
        lines.insert(0, f"<b>Liked groups</b> (/groups to change them): each of their movies counts as a "
                        f"★{format_stars(LIKED_STARS)} rating in your picks until you rate it yourself:")
    return lines, rows
