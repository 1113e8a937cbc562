"""Contacts in the privacy rules: the `suggested` setting, and the relation words.

`suggested` (for `who_can_message` and `group_invites`) lets in mutuals and the
recipient's contacts: accounts whose verified email or phone is in the list the
recipient uploaded, while the recipient syncs contacts. Whether the sender is
such a contact is a fact loaded before the gate (`Relation.sender_is_contact`),
read at the moment of the attempt, so turning sync off takes effect at once.
A sender refused for it sees `privacy.not_accepting` like any other setting.
"""

from __future__ import annotations

from sendable.gate.facts import Relation

# Every value `who_can_message` and `group_invites` take, widest first.
SETTINGS = ("everyone", "followers", "following", "suggested", "mutuals", "nobody")


def suggested(rel: Relation) -> bool:
    """Mutuals, or one of the recipient's contacts."""
    return (rel.sender_follows and rel.recipient_follows) or rel.sender_is_contact


def allows(setting: str, rel: Relation) -> bool:
    """Whether `setting` (of the recipient, or of an invitee) lets this sender in;
    an unknown value lets nobody in."""
    if setting == "everyone":
        return True
    if setting == "followers":
        return rel.sender_follows
    if setting == "following":
        return rel.recipient_follows
    if setting == "mutuals":
        return rel.sender_follows and rel.recipient_follows
    if setting == "suggested":
        return suggested(rel)
    return False


def relation_words(rel: Relation) -> list[str]:
    """How the two stand, in the words the moderator view uses: `follows` (the sender
    follows the recipient), `followed_by`, `mutuals`, `contact` (the sender is one of
    the recipient's contacts), `conversation` (one accepted), `blocked`/`blocks`."""
    words = []
    if rel.sender_follows and rel.recipient_follows:
        words.append("mutuals")
    elif rel.sender_follows:
        words.append("follows")
    elif rel.recipient_follows:
        words.append("followed_by")
    if rel.sender_is_contact:
        words.append("contact")
    if rel.accepted:
        words.append("conversation")
    if rel.sender_blocked:
        words.append("blocks")
    if rel.recipient_blocked:
        words.append("blocked")
    return words or ["none"]
