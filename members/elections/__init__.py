"""换届选举: plan and its 批复, 候选人 with 差额, the 选举大会 (roster, 4/5 quorum, tallies per candidate, counting,
re-votes), 书记/副书记 by the new 支委会, and the result becoming the new CommitteeTerm.

It lives in `members` because an election needs the member registry (voters, candidates) and the committee terms
of `branches`, both below it in the import order (portal ← branches ← members ← orglife …); nothing here is needed
by the apps below. The models are registered by members.models (app label `members`).
"""
