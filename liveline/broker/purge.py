"""The CDN's purge endpoint: Varnish (PURGE with a Surrogate-Key header), Fastly, Cloudflare.

`PurgeClient.purge` returns once the CDN acknowledged every key (a 2xx) and raises
otherwise, so the purger (service/purging.py) moves its cursor only past purges that took.
"""

from __future__ import annotations

import re
from typing import Literal

import httpx

Style = Literal["varnish", "fastly", "cloudflare"]
# Keys a request: Fastly takes 256 a purge, Cloudflare 30 tags a call; Varnish any (the VCL
# turns the header into one ban), bounded here so that a header stays a few KB.
KEYS_A_REQUEST: dict[Style, int] = {"varnish": 200, "fastly": 256, "cloudflare": 30}
KEY = re.compile(r"^[a-z0-9-]{1,64}$")  # ours are blog-N and post-N; nothing a regex can abuse


class PurgeError(Exception):
    pass


class PurgeClient:
    def __init__(
        self, url: str, style: Style = "varnish", token: str = "", timeout: float = 5.0
    ) -> None:
        self.url = url
        self.style = style
        self.token = token
        self._timeout = timeout
        self._client: httpx.AsyncClient | None = None

    async def purge(self, keys: list[str]) -> None:
        bad = [key for key in keys if not KEY.match(key)]
        if bad:
            raise ValueError(f"not a surrogate key: {bad[0]!r}")
        size = KEYS_A_REQUEST[self.style]
        for start in range(0, len(keys), size):
            await self._send(keys[start : start + size])

    async def _send(self, keys: list[str]) -> None:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout)
        if self.style == "cloudflare":
            headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
            response = await self._client.post(self.url, json={"tags": keys}, headers=headers)
        else:
            headers = {"Surrogate-Key": " ".join(keys)}
            if self.style == "fastly":
                if self.token:
                    headers["Fastly-Key"] = self.token
                response = await self._client.post(self.url, headers=headers)
            else:
                response = await self._client.request("PURGE", self.url, headers=headers)
        if not response.is_success:
            raise PurgeError(f"{self.style} purge answered {response.status_code}")

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
