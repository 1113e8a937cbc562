"""The client's calls for groups: `client.groups.create(...)` and the rest, on the
same session, retries and errors as the other calls. A refused send or invite raises
ApiError with every reason in `error.body["reasons"]` (group sends are not kept in the
outbox: a group message is only worth sending while the conversation is live)."""

from __future__ import annotations

from typing import Any, Protocol

from sendable.client.checks import check_text
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
        return (await self.client.get("/v1/groups"))["groups"]

    async def get(self, group_id: int) -> dict[str, Any]:
        return (await self.client.get(f"/v1/groups/{group_id}"))["group"]

    async def add(self, group_id: int, handles: list[str]) -> list[dict[str, Any]]:
        return (await self.client.call("POST", f"/v1/groups/{group_id}/members",
                                       json={"handles": handles}))["results"]

    async def join(self, group_id: int) -> dict[str, Any]:
        return await self.client.call("POST", f"/v1/groups/{group_id}/join")

    async def leave(self, group_id: int) -> None:
        me = self.client._require_session()
        await self.client.call("DELETE", f"/v1/groups/{group_id}/members/{me}")

    async def send(self, group_id: int, text: str,
                   client_msg_id: str | None = None) -> dict[str, Any]:
        """{message, notices}; a refusal raises ApiError with every reason."""
        check_text(text)
        return await self.client.call("POST", "/v1/messages", json={
            "group": group_id, "text": text, "client_msg_id": client_msg_id})

    async def messages(self, group_id: int, after_seq: int = 0) -> list[dict[str, Any]]:
        return (await self.client.get(f"/v1/groups/{group_id}/messages",
                                      params={"after_seq": after_seq}))["messages"]

    async def why(self, group_id: int, text: str = "",
                  invite: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"group": group_id, "text": text}
        if invite is not None:
            body = {"group": group_id, "invite": invite}
        return await self.client.call("POST", "/v1/groups/why", json=body,
                                      retry=self.client.retry)
