"""The client's calls for groups: `client.groups.create(...)` and the rest, on the
same session, retries and errors as the other calls. A refused send, forward or join
by link raises ApiError with every reason in `error.body["reasons"]`; an invite of
several people answers for each (`outcome`, `reasons`) instead. Anything else the
server says no to (a group you are not in: 404; not its owner: 403) is an ApiError
naming the cause. Group sends are not kept in the outbox: a group message is only
worth sending while the conversation is live."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from sendable.client.checks import check_text
from sendable.client.outbox import new_client_msg_id
from sendable.client.retry import Retry


class Caller(Protocol):
    """What these calls need of the client (client/core.py's AsyncClient)."""

    retry: Retry

    async def call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]: ...

    async def get(self, path: str, **kwargs: Any) -> dict[str, Any]: ...

    def _require_session(self) -> str: ...


class Groups:
    def __init__(self, client: Caller) -> None:
        self.client = client

    async def create(self, name: str, members: list[str]) -> dict[str, Any]:
        """{group, results[{handle, outcome, reasons}]}: one answer per person."""
        return await self.client.call("POST", "/v1/groups",
                                      json={"name": name, "members": members})

    async def list(self) -> list[dict[str, Any]]:
        """The groups you are in or invited to, each with `state` and `muted`."""
        return (await self.client.get("/v1/groups"))["groups"]

    async def get(self, group_id: int) -> dict[str, Any]:
        return (await self.client.get(f"/v1/groups/{group_id}"))["group"]

    async def add(self, group_id: int, handles: list[str]) -> list[dict[str, Any]]:
        """[{handle, outcome, reasons}]: one answer per person, as for `create`."""
        return (await self.client.call("POST", f"/v1/groups/{group_id}/members",
                                       json={"handles": handles}))["results"]

    async def join(self, group_id: int) -> dict[str, Any]:
        """Accept an invitation: {state: member | pending_approval}."""
        return await self.client.call("POST", f"/v1/groups/{group_id}/join")

    async def leave(self, group_id: int) -> None:
        """Leave; if you own the group, the member who joined earliest owns it next."""
        me = self.client._require_session()
        await self.client.call("DELETE", f"/v1/groups/{group_id}/members/{me}")

    async def rename(self, group_id: int, name: str) -> dict[str, Any]:
        """The owner renames the group; the group as it is now."""
        return (await self.client.call("PATCH", f"/v1/groups/{group_id}",
                                       json={"name": name}, retry=self.client.retry))["group"]

    async def remove(self, group_id: int, handle: str) -> None:
        """The owner takes a member or a pending entry out (your own handle: leave)."""
        await self.client.call("DELETE", f"/v1/groups/{group_id}/members/{handle}")

    async def decline(self, group_id: int) -> None:
        """Turn down an invitation (a member leaves instead: 409)."""
        await self.client.call("POST", f"/v1/groups/{group_id}/decline")

    async def approve(self, group_id: int, handle: str) -> dict[str, Any]:
        """The owner of a teen's group lets someone waiting in:
        {handle, state: member | invited (yet to accept)}."""
        return await self.client.call("POST", f"/v1/groups/{group_id}/approve/{handle}")

    async def link(self, group_id: int) -> str:
        """The group's join token (the same each time), for `join_by_link`."""
        return (await self.client.call("POST", f"/v1/groups/{group_id}/link",
                                       retry=self.client.retry))["token"]

    async def join_by_link(self, token: str) -> dict[str, Any]:
        """Join through a group's link: {handle, outcome, reasons}, outcome added,
        invited or pending_approval; a refusal raises ApiError with every reason."""
        return await self.client.call("POST", "/v1/groups/join", json={"token": token})

    async def mute(self, group_id: int) -> None:
        """Messages still arrive; their stream events carry `muted: true`."""
        await self.client.call("PUT", f"/v1/groups/{group_id}/mute", retry=self.client.retry)

    async def unmute(self, group_id: int) -> None:
        await self.client.call("DELETE", f"/v1/groups/{group_id}/mute",
                               retry=self.client.retry)

    async def forward(self, message_id: int, *, to: str | None = None,
                      group: int | None = None,
                      client_msg_id: str | None = None) -> dict[str, Any]:
        """Send the text of a message you can see to a person (`to`) or a group
        (`group`), through the same checks as a send: {message, notices}. A refusal
        (e.g. `spam.forward_limit`) raises ApiError with every reason; a message you
        cannot see is a 404. Retried under one `client_msg_id`, so never sent twice."""
        body: dict[str, Any] = {"client_msg_id": client_msg_id or new_client_msg_id()}
        body.update({k: v for k, v in (("to", to), ("group", group)) if v is not None})
        return await self.client.call("POST", f"/v1/messages/{message_id}/forward",
                                      json=body, retry=self.client.retry)

    async def report(self, group_id: int, reason: str) -> int:
        """Report the whole group to moderators (you must be in it or invited): the
        report's id."""
        return (await self.client.call("POST", "/v1/reports",
                                       json={"group_id": group_id, "reason": reason}))["id"]

    async def send(self, group_id: int, text: str,
                   client_msg_id: str | None = None) -> dict[str, Any]:
        """{message, notices}; a refusal raises ApiError with every reason."""
        check_text(text)
        return await self.client.call("POST", "/v1/messages", json={
            "group": group_id, "text": text, "client_msg_id": client_msg_id})

    async def messages(self, group_id: int, after_seq: int = 0) -> list[dict[str, Any]]:
        """What you see of the group after `after_seq`, oldest first (each with its
        `id`, for `forward`)."""
        return (await self.client.get(f"/v1/groups/{group_id}/messages",
                                      params={"after_seq": after_seq}))["messages"]

    async def why(self, group_id: int, text: str = "",
                  invite: str | None = None) -> dict[str, Any]:
        """{sendable, outcome, reasons} for sending `text` to the group, or (`invite`)
        for putting that person in it; nothing is sent or changed."""
        body: dict[str, Any] = {"group": group_id, "text": text}
        if invite is not None:
            body = {"group": group_id, "invite": invite}
        return await self.client.call("POST", "/v1/groups/why", json=body,
                                      retry=self.client.retry)


class BlockingGroups:
    """`Client.groups` (the synchronous client): the same calls, each run to completion."""

    def __init__(self, groups: Groups, run: Callable[[Awaitable[Any]], Any]) -> None:
        self._groups = groups
        self._run = run

    def __getattr__(self, name: str) -> Any:
        call = getattr(self._groups, name)
        if not asyncio.iscoroutinefunction(call):
            return call
        return lambda *args, **kwargs: self._run(call(*args, **kwargs))
