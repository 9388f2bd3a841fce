"""Errors of the public site and API."""

from __future__ import annotations

from xinyong.errors import Invalid

#: Results reachable by paging (the same cap the totals are counted to): deeper pages are refused,
#: so a register cannot be walked page by page.
MAX_RESULTS = 1000


class PageTooDeep(Invalid):
    code = "page_too_deep"


def check_depth(page: int, per_page: int) -> None:
    """Refuse pages beyond the first MAX_RESULTS results, with a message that says why."""
    if (page - 1) * per_page >= MAX_RESULTS:
        raise PageTooDeep(
            f"为防止批量抓取，最多只能翻阅前 {MAX_RESULTS} 条结果，请增加查询条件缩小范围",
            details={"page": page, "per_page": per_page, "max_results": MAX_RESULTS},
        )
