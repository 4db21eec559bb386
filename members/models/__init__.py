"""The members app's models, one module per sub-domain (the member registry, 发展党员 and its timing rules, 党费,
组织关系转接, status changes, 民主评议, 党员积分; 换届选举 lives in members/elections). Every model is re-exported
here: Django finds them under the app label `members`, and `members.models.X` stays the one name for each."""
from ..elections.models import *  # noqa: F401,F403
from .appraisal import *  # noqa: F401,F403
from .development import *  # noqa: F401,F403
from .dues import *  # noqa: F401,F403
from .points import *  # noqa: F401,F403
from .registry import *  # noqa: F401,F403
from .rules import *  # noqa: F401,F403
from .status import *  # noqa: F401,F403
from .transfers import *  # noqa: F401,F403
