"""JSON responses rendered with orjson; routes return them directly on hot paths.

`JSON` is a `JSONResponse`, so FastAPI documents a route's `response_model` under
`application/json` in /openapi.json (a plain `Response` class is described as a string).
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse


class JSON(JSONResponse):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
