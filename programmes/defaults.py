"""Configurable defaults of the three programmes, with where each comes from (README: 创建 programmes).

Every list here is copied into a Round when it is created (Round.items), so a committee edits its own round and a
later change of these defaults never rewrites a past round.
"""
from __future__ import annotations

# 红旗党支部 standard items. Researched default (issue #19; local 创建 schemes — local practice, not national
# regulation). The sample report (/work/shared/reference/sample-report-red-flag-branch.txt) shows another local
# set of six (政治方向、组织队伍、制度机制、学用结合、服务效能、示范带动): a committee may replace the list.
RED_FLAG_ITEMS = [
    {"code": "team", "name": "队伍坚强有力"},
    {"code": "members", "name": "党员先进纯洁"},
    {"code": "affairs", "name": "党务健全规范"},
    {"code": "style", "name": "作风勤政务实"},
    {"code": "results", "name": "工作实绩突出"},
    {"code": "masses", "name": "群众满意"},
]

# 五星党员 kinds (local practice; no national standard — domain-rules.md §5). "奉献型/岗位建功型" is one kind whose
# name a committee sets. Each kind names the portal evidence it leans on (shown first on the nomination).
FIVE_STAR_KINDS = [
    {"code": "study", "name": "学习型", "evidence": "study_hours"},
    {"code": "service", "name": "服务奉献型", "evidence": "points"},
    {"code": "post", "name": "岗位建功型", "evidence": "vanguard_posts"},
    {"code": "integrity", "name": "廉洁自律型", "evidence": "appraisal_grade"},
    {"code": "civility", "name": "文明和谐型", "evidence": "attendance_rate"},
]

# Publicity: 5 days is a common local figure for 评星定级 (domain-rules.md §3, [S]); configurable per round.
PUBLICITY_DAYS = 5
# How long a designated title lasts: NOT verified for 四强 (domain-rules.md §2, [U]); 3 years is local practice
# (a 创建 cycle commonly matches the branch committee's 3-year term). Configurable per round.
VALIDITY_YEARS = 3
# Expiry reminder: days ahead of valid_until (local choice, configurable per round).
REMIND_DAYS_AHEAD = 60
