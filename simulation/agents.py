"""Mesa agents: the public face of the model's state.

Residents keep no state of their own: their attributes read from (and write to) the
model's arrays, so a whole day updates every resident at once while Mesa's AgentSet,
DataCollector and SolaraViz still see ordinary agents. Administration units and mediators
are few and carry their own parameters and counters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from .town import Town

__all__ = ["Resident", "Residents", "EAGER_RESIDENTS", "AdministrationUnit", "Mediator"]

#: Towns up to this size list every resident in Mesa's ``model.agents`` (and
#: ``agents_by_type``): the agents are made the first time one of those is read. Larger
#: ones (researchers' cities) make a resident's agent only when it is asked for. The agents
#: hold no state (the arrays are the residents), and making them is work a run never needs:
#: a million took 10 of the 14 seconds of a city's set-up (~0.5 KB each), 2,000 a thirtieth
#: of a workshop run's time.
EAGER_RESIDENTS = 50_000


def _array_attribute(name: str, doc: str, share: bool = False) -> property:
    """A resident's value in the state array ``name``. A ``share`` lies in [0, 1]: every rule
    keeps it there and relies on it (case handling clips only the values its own work
    changed), so setting one outside is an error here, not a value corrected later."""

    def get(self: "Resident"):
        return getattr(self.model.state, name)[self.index].item()

    def set_(self: "Resident", value) -> None:
        if share and not 0.0 <= value <= 1.0:
            raise ValueError(f"resident {self.index}: {name} = {value!r} is outside [0, 1]")
        getattr(self.model.state, name)[self.index] = value

    return property(get, set_, doc=doc)


class Resident(mesa.Agent):
    """A resident of the town; a view on row ``index`` of the model's state arrays."""

    model: "Town"

    def __init__(self, model: "Town", index: int) -> None:
        super().__init__(model)
        self.index = index

    group = _array_attribute("group", "Group index (0..G-1).")
    district = _array_attribute("district", "District index (0..D-1).")
    opinion = _array_attribute("opinion", "Opinion on the contested issue, in [0, 1].", share=True)
    tolerance = _array_attribute("tolerance", "Bounded-confidence radius epsilon.")
    stubbornness = _array_attribute("stubbornness", "Weight of the initial opinion.")
    tension = _array_attribute("tension", "Readiness to escalate, in [0, 1].", share=True)
    grievance = _array_attribute("grievance", "Accumulated unresolved problems, in [0, 1].", share=True)
    trust = _array_attribute("trust", "Trust in the administration, in [0, 1].", share=True)
    threshold = _array_attribute("threshold", "Granovetter threshold, in [0, 1].", share=True)
    threat = _array_attribute("threat", "Perceived threat, in [0, 1].", share=True)


class Residents(Sequence):
    """``model.residents``: resident ``i``'s agent is ``residents[i]``.

    An agent is made, registered with Mesa and kept when first asked for; in a town up to
    :data:`EAGER_RESIDENTS` residents, reading Mesa's views of all agents makes every
    resident's first (:meth:`complete`), so ``model.agents`` lists them all.
    """

    def __init__(self, model: "Town") -> None:
        self._model = model
        self._agents: dict[int, Resident] = {}

    def complete(self) -> None:
        """Make every resident's agent not made yet, in index order (towns up to
        :data:`EAGER_RESIDENTS`; a city's stay made on demand)."""
        n = self._model.state.n
        if len(self._agents) < n <= EAGER_RESIDENTS:
            for i in range(n):
                if i not in self._agents:
                    self._agents[i] = Resident(self._model, i)

    def __len__(self) -> int:
        return self._model.state.n

    def __getitem__(self, i: int) -> Resident:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        n = len(self)
        k = int(i) + n if int(i) < 0 else int(i)
        if not 0 <= k < n:
            raise IndexError(f"resident {i} of {n}")
        agent = self._agents.get(k)
        if agent is None:
            agent = self._agents[k] = Resident(self._model, k)
        return agent


class AdministrationUnit(mesa.Agent):
    """A municipal unit that handles conflict cases at a daily capacity after a delay.

    Fractional capacities accumulate as credit (capacity 0.5 handles a case every other
    day); unused credit does not pile up beyond one day's capacity.
    """

    def __init__(self, model, index: int, spec) -> None:
        super().__init__(model)
        self.index = index
        self.kind: str = spec.kind
        self.label_en: str = spec.label_en
        self.label_de: str = spec.label_de
        self.configure(spec)
        self.credit = 0.0
        self.cases_handled = 0

    def configure(self, spec) -> None:
        """Take the settings of ``spec`` (a schema ``Unit``); the queue and credit stay."""
        self.capacity_per_day: float = spec.capacity_per_day
        self.response_delay_days: int = spec.response_delay_days
        self.trained_share: float = spec.trained_share
        self.staff_hours_per_case: float = spec.staff_hours_per_case
        self.staff: int = spec.staff

    def cases_today(self, waiting: int, capacity_factor: float = 1.0) -> int:
        """How many of ``waiting`` ready cases the unit handles today (uses up credit)."""
        capacity = self.capacity_per_day * capacity_factor
        self.credit = min(self.credit + capacity, max(capacity, 1.0))
        n = min(int(self.credit), waiting)
        self.credit -= n
        self.cases_handled += n
        return n


class Mediator(mesa.Agent):
    """A trained mediator: own daily capacity (as credit), skill, covered districts and
    Glasl-stage mandate, and a record of the mediations they took on.

    Fractional capacities accumulate as credit (one mediation a week is a seventh a day);
    credit does not pile up beyond one mediation or one day's capacity.
    """

    def __init__(self, model, capacity_per_day: float, skill: float, districts, min_stage: int, max_stage: int):
        super().__init__(model)
        self.capacity_per_day = capacity_per_day
        self.skill = skill
        self.districts = frozenset(districts)
        self.min_stage = min_stage
        self.max_stage = max_stage
        self.credit = 0.0
        self.mediations_tried = 0
        self.mediations_succeeded = 0

    def take_credit(self) -> int:
        """Add today's capacity; return how many mediations the mediator can take on today."""
        self.credit = min(self.credit + self.capacity_per_day, max(1.0, self.capacity_per_day))
        return int(self.credit)

    def spend_credit(self, mediations: int) -> None:
        self.credit -= mediations
