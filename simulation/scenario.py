"""The scenario schema: every parameter of Quartier, with its default, range and meaning.

This module is the single source of truth for parameters. The CLI, reports, sweeps and the
dashboard derive their inputs from these classes, never from a second list.

A scenario file is TOML. Its keys mirror the classes below (``[town]``, ``[town.network]``,
``[opinion]``, ``[conflict]``, ``[administration]``, ...). A file may name another with
``base = "baseline.toml"`` (relative to itself); the named file is read first and this file's
keys override it, table by table.

Validation happens once, here, at the boundary: unknown keys, wrong types and out-of-range
values raise :class:`ScenarioError` with one line per problem naming the key, the value and
what is allowed. The inside of the model trusts a validated scenario.

Defaults are chosen for a town of a few thousand residents in a tense year: a handful of
reported incidents a week at baseline, recovery from a shock over weeks to months. Each
field's description says why its default is what it is.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

__all__ = [
    "Section",
    "model_at",
    "range_of",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "scenario_from_dict",
    "apply_overrides",
    "with_preset",
    "PRESETS",
    "STRUCTURE_NAMES",
    "SHOCK_KINDS",
]

Share = Annotated[float, Field(ge=0.0, le=1.0)]
Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]


class ScenarioError(ValueError):
    """A scenario (file, dict or override) is not valid. The message is meant for users."""


class Section(BaseModel):
    """Base of every schema section: unknown keys are errors, assignments are validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False, strict=True)


# ----------------------------------------------------------------------------------------------
# Texts shown to people
# ----------------------------------------------------------------------------------------------


class Meta(Section):
    title_en: str = Field("Untitled scenario", max_length=120, description="Title in English.")
    title_de: str = Field("Szenario ohne Titel", max_length=120, description="Title in German.")
    description_en: str = Field(
        "", max_length=2000, description="What happens, in a few sentences a trainer can read out."
    )
    description_de: str = Field(
        "", max_length=2000, description="Dasselbe auf Deutsch, für Workshops vorzulesen."
    )
    audience: Literal["workshop", "research"] = Field(
        "workshop",
        description="Who the scenario is for: 'research' scenarios (e.g. a city of a million) "
        "are left out of the dashboard's list, where a run would take minutes; the command "
        "line runs both.",
    )


# ----------------------------------------------------------------------------------------------
# The town: residents, groups, districts, network
# ----------------------------------------------------------------------------------------------


class Group(Section):
    name: Identifier = Field(description="Identifier used in output columns, e.g. 'established'.")
    label_en: str = Field(description="Name shown to people in English.")
    label_de: str = Field(description="Name shown to people in German.")
    share: float = Field(
        gt=0.0, le=1.0, description="Share of residents in this group; shares sum to 1."
    )
    opinion_distribution: Literal["normal", "uniform"] = Field(
        "normal",
        description="Initial opinions: 'normal' around opinion_mean (clipped to [0, 1]), or "
        "'uniform' on [0, 1] as in the classic bounded-confidence experiments.",
    )
    opinion_mean: Share = Field(
        0.5, description="Mean initial opinion on the contested issue (0.5 is neutral)."
    )
    opinion_sd: float = Field(
        0.15,
        ge=0.0,
        le=0.5,
        description="Spread of initial opinions (normal, clipped to [0, 1]); 0.15 gives a "
        "clearly leaning but mixed group.",
    )
    trust_mean: Share = Field(
        0.5, description="Mean initial trust in the administration (0 none, 1 full)."
    )


class Network(Section):
    kind: Literal["sbm", "small_world", "complete"] = Field(
        "sbm",
        description="How ties are generated: 'sbm' a block model over districts and groups, "
        "'small_world' a Watts-Strogatz ring ordered by district, 'complete' everyone knows "
        "everyone (validation runs; memory grows with residents squared).",
    )
    mean_degree: float = Field(
        10.0,
        ge=1.0,
        le=200.0,
        description="Mean number of ties per resident; about 10 everyday contacts in the "
        "neighbourhood (sbm, small_world).",
    )
    district_homophily: float = Field(
        0.8,
        ge=0.0,
        le=0.99,
        description="0 mixes districts at random, near 1 keeps ties inside a district; 0.8 "
        "makes most neighbourhood contacts local (sbm).",
    )
    group_homophily: float = Field(
        0.6,
        ge=0.0,
        le=0.99,
        description="0 mixes groups at random, near 1 keeps ties inside a group; 0.6 is a "
        "moderately segregated town (sbm).",
    )
    rewire_probability: Share = Field(
        0.1,
        description="Share of ring ties rewired to a random resident (small_world); 0.1 "
        "gives short paths with local clustering (Watts & Strogatz 1998).",
    )


class Town(Section):
    residents: int = Field(2000, ge=10, le=2_000_000, description="Number of residents.")
    districts: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        default_factory=lambda: ["Nord", "Ost", "Süd", "West"],
        min_length=1,
        max_length=200,
        description="Names of the districts (a city has 80 or more); residents are spread evenly over them unless district_weights says otherwise.",
    )
    groups: list[Group] = Field(
        default_factory=lambda: [
            Group(
                name="established",
                label_en="long-established residents",
                label_de="Alteingesessene",
                share=0.7,
                opinion_mean=0.35,
                trust_mean=0.55,
            ),
            Group(
                name="newcomers",
                label_en="newcomers",
                label_de="Zugezogene",
                share=0.3,
                opinion_mean=0.65,
                trust_mean=0.45,
            ),
        ],
        min_length=1,
        max_length=10,
        description="The groups of residents.",
    )
    network: Network = Field(default_factory=Network, description="How ties are generated.")
    district_weights: list[Annotated[float, Field(gt=0.0, le=1e9)]] = Field(
        default_factory=list,
        max_length=200,
        description="Relative size of each district (e.g. its residents), in the order of "
        "'districts'; empty: residents are spread evenly.",
    )
    district_group_shares: list[list[Share]] = Field(
        default_factory=list,
        max_length=200,
        description="For each district, the shares of the groups (in the order of 'groups', "
        "each list summing to 1); empty: every district has the town's group shares.",
    )

    @model_validator(mode="after")
    def _check_district_mix(self) -> "Town":
        d, g = len(self.districts), len(self.groups)
        if self.district_weights and len(self.district_weights) != d:
            raise ValueError(
                f"town.district_weights has {len(self.district_weights)} entries: allowed: one per district ({d})"
            )
        if self.district_group_shares:
            if len(self.district_group_shares) != d:
                raise ValueError(
                    f"town.district_group_shares has {len(self.district_group_shares)} entries: allowed: one per district ({d})"
                )
            for k, shares in enumerate(self.district_group_shares):
                if len(shares) != g or abs(sum(shares) - 1.0) > 1e-6:
                    raise ValueError(
                        f"town.district_group_shares[{k}] = {shares}: allowed: {g} shares (one per group) summing to 1"
                    )
        return self

    @model_validator(mode="after")
    def _check_groups(self) -> "Town":
        total = sum(g.share for g in self.groups)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"town.groups: shares sum to {total:g}; they must sum to 1")
        names = [g.name for g in self.groups]
        if len(set(names)) != len(names):
            raise ValueError(f"town.groups: names must be unique, got {names}")
        if len(set(self.districts)) != len(self.districts):
            raise ValueError(f"town.districts: names must be unique, got {self.districts}")
        return self


class ResidentTraits(Section):
    tolerance_mean: float = Field(
        0.25,
        gt=0.0,
        le=1.0,
        description="Mean bounded-confidence radius epsilon: how different a view residents "
        "still engage with. 0.3 lets a town keep one or two opinion camps (Deffuant et al. 2000).",
    )
    tolerance_sd: float = Field(
        0.0, ge=0.0, le=0.5, description="Spread of tolerance between residents (normal, clipped)."
    )
    stubbornness_mean: Share = Field(
        0.05,
        description="Mean weight of a resident's initial opinion (Friedkin & Johnsen 1990); "
        "used by the friedkin_johnsen rule.",
    )
    stubbornness_sd: float = Field(0.0, ge=0.0, le=0.5, description="Spread of stubbornness.")
    tension_mean: Share = Field(0.15, description="Mean initial tension (readiness to escalate).")
    tension_sd: float = Field(
        0.1, ge=0.0, le=0.5, description="Spread of initial tension (normal, clipped); the warm-up evens it out."
    )
    grievance_sd: float = Field(
        0.05, ge=0.0, le=0.5, description="Spread of initial grievance (normal, clipped)."
    )
    trust_sd: float = Field(
        0.15,
        ge=0.0,
        le=0.5,
        description="Spread of initial trust around each group's mean (normal, clipped): "
        "within a group some trust the town hall and some do not.",
    )
    stress_mean: Share = Field(
        0.22,
        description="Mean background stress (crowding, poverty, noise): the part of the "
        "tension drive that does not come from the conflict itself. 0.22 (0.25 before the "
        "distrust term joined the drive) gives the baseline town a handful of incidents a week.",
    )
    stress_sd: float = Field(
        0.15,
        ge=0.0,
        le=0.5,
        description="Spread of background stress; a tense minority is where ties turn hostile.",
    )
    grievance_mean: Share = Field(0.1, description="Mean initial grievance.")
    threshold_mean: Share = Field(
        0.35,
        description="Mean share of active neighbours a resident needs to join collective "
        "action (Granovetter 1978).",
    )
    threshold_sd: float = Field(
        0.15, ge=0.0, le=0.5, description="Spread of action thresholds (normal, clipped)."
    )


# ----------------------------------------------------------------------------------------------
# Mechanisms of one day
# ----------------------------------------------------------------------------------------------


class Opinion(Section):
    rule: Literal["deffuant", "hk", "friedkin_johnsen", "repulsive"] = Field(
        "deffuant",
        description="Opinion rule: 'deffuant' pairwise bounded confidence, 'hk' "
        "Hegselmann-Krause mean of neighbours within tolerance, 'friedkin_johnsen' anchored "
        "averaging, 'repulsive' Jager-Amblard attraction and rejection.",
    )
    convergence_rate: float = Field(
        0.3,
        gt=0.0,
        le=0.5,
        description="Deffuant's mu: how far a resident moves toward the other per encounter; "
        "it changes speed, not the outcome (Deffuant et al. 2000).",
    )
    rounds_per_day: int = Field(
        1,
        ge=1,
        le=200,
        description="Encounter rounds per day for the pairwise rules; in each round a random "
        "matching of ties meets once. One round is about one conversation a day.",
    )
    rejection_radius: float = Field(
        0.6,
        gt=0.0,
        le=1.0,
        description="Jager-Amblard rejection radius: beyond it residents move apart "
        "('repulsive' rule, and hostile ties under 'deffuant').",
    )
    hostile_rejection_factor: Share = Field(
        0.25,
        description="On a hostile tie the rejection radius shrinks by this factor and no "
        "attraction happens: hostility turns disagreement into repulsion. At 0.5 the "
        "repulsion loop alone made the baseline escalate on its own over years.",
    )
    contact_tolerance_gain: float = Field(
        0.5,
        ge=0.0,
        le=2.0,
        description="Friendly cross-group ties widen tolerance: epsilon times (1 + gain times "
        "the share of a resident's ties that are friendly and cross-group); contact "
        "hypothesis (Allport 1954; Pettigrew & Tropp 2006).",
    )
    threat_opinion_shift: float = Field(
        0.015,
        ge=0.0,
        le=0.5,
        description="Group threat: each day a resident's opinion moves this far times their "
        "perceived threat away from the mean view of the other groups (Blumer 1958; Quillian "
        "1995: perceived threat, not contact, drives prejudice). No source for the size; argued "
        "because at 0.015 a district under threat 0.3 for a month drifts about 0.1, the size of "
        "attitude shifts after local events in panel studies, and anchoring pulls it back over "
        "months.",
    )
    contact_opinion_pull: float = Field(
        0.02,
        ge=0.0,
        le=0.5,
        description="Positive intergroup contact: each day a resident moves this share of the "
        "way toward the mean view of their friendly cross-group neighbours, regardless of "
        "tolerance (Allport 1954). Calibrated so that, across residents, the share of friendly "
        "cross-group ties and the distance to the other group's view correlate in the range of "
        "Pettigrew & Tropp's (2006) meta-analysis (r about -0.21; tested).",
    )


class Conflict(Section):
    enabled: bool = Field(
        True,
        description="Tension, tie valence and Glasl stages, incidents and mobilisation. Off "
        "leaves the opinion kernel alone on the network.",
    )
    tension_relaxation_rate: Share = Field(
        0.1,
        description="Share of the gap to the tension drive closed per day; 0.1 means tension "
        "follows circumstances within about 10 days.",
    )
    weight_hostile_ties: float = Field(
        0.2, ge=0.0, le=2.0, description="Drive from the share of a resident's ties that are hostile."
    )
    weight_grievance: float = Field(0.3, ge=0.0, le=2.0, description="Drive from grievance.")
    weight_threat: float = Field(0.2, ge=0.0, le=2.0, description="Drive from perceived threat.")
    weight_opinion_distance: float = Field(
        0.3,
        ge=0.0,
        le=2.0,
        description="Drive from the mean opinion distance to one's neighbours.",
    )
    contact_relief: float = Field(
        0.3,
        ge=0.0,
        le=2.0,
        description="Relief from the share of one's ties that are friendly and cross-group.",
    )
    threat_decay_per_day: Share = Field(
        0.05, description="Perceived threat fades by this share a day (half-life about 2 weeks)."
    )
    hostile_tension_threshold: Share = Field(
        0.5, description="A tie can turn hostile when both ends are at least this tense."
    )
    hostile_distance_threshold: Share = Field(
        0.25, description="... and their opinions are at least this far apart."
    )
    turn_hostile_probability: Share = Field(
        0.04, description="Daily probability that such a tie turns hostile (stage 1)."
    )
    escalate_probability: Share = Field(
        0.3,
        description="Daily probability that a hostile tie climbs one Glasl stage, times the "
        "mean tension of its ends (Glasl 1982).",
    )
    deescalate_probability: Share = Field(
        0.3,
        description="Daily probability that it falls one stage, times one minus that "
        "tension; at stage 0 the tie is neutral again.",
    )
    stage_stickiness: Share = Field(
        0.5,
        description="Glasl's entrenchment: at stage k the daily chance to fall a stage is "
        "multiplied by 1 - stickiness*(k-1)/8, so a stage-8 feud stays where a stage-2 quarrel "
        "fades, and the time a feud spends at a stage rises with the stage (Glasl 1982: higher "
        "stages entrench and need stronger interventions; tested). 0 gives every stage the same "
        "chances. Ending without help (resolution_probability) does not depend on the stage: "
        "at higher stages that is the parties separating. No source for the size; argued "
        "because at 0.5 the town without structures still settles within months after the "
        "flagship's shocks.",
    )
    threshold_barrier: Share = Field(
        0.3,
        description="Glasl's turning points: the chance to climb from stage 3 to 4 (win-win to "
        "win-lose) and from 6 to 7 (win-lose to lose-lose) is multiplied by this, so few "
        "disputes reach the higher phases (the conflict pyramid; tested). No source for the "
        "size; argued because at 0.3 stage 7 and above hold well under half of the feuds.",
    )
    weight_distrust: float = Field(
        0.1,
        ge=0.0,
        le=2.0,
        description="Drive from distrust in the administration (1 - trust): legitimacy is the "
        "channel of Epstein's (2002) model of civil violence. No source for the size; argued "
        "because at 0.1 a resident who lost all trust is as driven as by a third of their ties "
        "turning hostile; the baseline stress default was lowered so the quiet town stays quiet.",
    )
    mobilisation_legitimacy: Share = Field(
        0.5,
        description="Distrust lowers the threshold for joining collective action: a resident's "
        "threshold is multiplied by 1 - this*(1 - trust) (Epstein 2002: grievance times "
        "illegitimacy drives rebellion).",
    )
    resolution_probability: Share = Field(
        0.01,
        description="Daily probability that a hostile tie ends without help, whatever its "
        "stage: the parties settle privately, avoid each other, or one moves away. Without "
        "it, feuds between chronically tense residents never end and every shock leaves a "
        "permanent scar; 0.01 lets a town recover from a shock over months.",
    )
    befriend_probability: Share = Field(
        0.005,
        description="Daily probability that a neutral tie between calm residents whose views "
        "are within tolerance turns friendly (repeated good contact).",
    )
    unfriend_probability: float = Field(
        0.003,
        ge=0.0,
        le=0.3,
        description="Daily probability that a friendly tie cools to neutral when the views "
        "of its ends are beyond tolerance.",
    )
    initial_friendly_within_group: Share = Field(
        0.4, description="Share of ties inside a group that start friendly."
    )
    initial_friendly_across_groups: Share = Field(
        0.15, description="Share of ties across groups that start friendly."
    )
    initial_hostile_share: Share = Field(
        0.01, description="Share of ties that start hostile, at stages 1 to 3."
    )
    incident_min_stage: int = Field(
        4,
        ge=1,
        le=9,
        description="Lowest Glasl stage at which a hostile tie produces incidents; stage 4 "
        "is where win-lose starts (Glasl 1982).",
    )
    incident_probability: Share = Field(
        0.15,
        description="Daily probability of an incident on a tie at stage 9; it scales "
        "linearly from the minimum stage. With the defaults a baseline town of 2,000 sees "
        "about 2 to 8 incidents a week, level over years, and several times that after a shock.",
    )
    incident_tension_jump: Share = Field(
        0.05, description="Tension added to both parties of an incident."
    )
    incident_neighbour_tension: Share = Field(
        0.01, description="Tension added to the parties' network neighbours."
    )
    incident_district_threat: Share = Field(
        0.0025,
        description="Perceived threat added to every resident of a district per incident "
        "per 1,000 residents of that district. Kept small: at 4 times this value the threat "
        "loop (incidents raise threat, threat raises tension, tension raises incidents) "
        "made a quiet baseline town escalate on its own within two years.",
    )
    mobilisation_min_tension: Share = Field(
        0.5, description="Only residents at least this tense join collective action."
    )
    mobilisation_rounds: int = Field(
        5,
        ge=0,
        le=50,
        description="Rounds of the Granovetter cascade per day, seeded by incident parties.",
    )
    mobilisation_tension: Share = Field(
        0.05, description="Tension added to each mobilised resident."
    )
    grievance_per_incident: Share = Field(
        0.05, description="Grievance added to both parties of an incident."
    )
    grievance_decay_per_day: Share = Field(
        0.005, description="Grievance fades slowly when nothing happens (half-life about 4 months)."
    )


class Unit(Section):
    kind: Identifier = Field(
        description="What the unit does; cases of this kind belong to it, e.g. 'public_order'."
    )
    label_en: str = Field(description="Name shown in English.")
    label_de: str = Field(description="Name shown in German.")
    capacity_per_day: float = Field(
        2.0, ge=0.0, le=1000.0, description="Conflict cases the unit can handle per day."
    )
    response_delay_days: int = Field(
        3, ge=0, le=365, description="Days before a new case can be handled."
    )
    trained_share: Share = Field(
        0.0,
        description="Share of staff trained in conflict management (KoKo's qualification): "
        "trained handling also lowers the tie's Glasl stage.",
    )
    staff: int = Field(
        10,
        ge=1,
        le=100000,
        description="Staff of the unit who deal with conflict cases; a training cohort of k "
        "people raises the trained share by k / staff.",
    )
    staff_hours_per_case: float = Field(
        3.0, ge=0.0, le=100.0, description="Staff hours one handled case costs."
    )


def _default_units() -> list[Unit]:
    return [
        Unit(
            kind="public_order",
            label_en="public order office",
            label_de="Ordnungsamt",
            capacity_per_day=3.0,
            response_delay_days=2,
        ),
        Unit(
            kind="social_services",
            label_en="social services",
            label_de="Soziale Dienste",
            capacity_per_day=1.0,
            response_delay_days=5,
        ),
        Unit(
            kind="integration",
            label_en="integration centre",
            label_de="Integrationszentrum",
            capacity_per_day=1.0,
            response_delay_days=5,
        ),
    ]


class Cohort(Section):
    """Staff of a unit (or of every unit) trained in conflict management on a given day."""

    day: int = Field(ge=1, le=36500, description="Day the training ends (the trained start working).")
    unit: str = Field(
        "all", description="Kind of the unit whose staff are trained, or 'all' for every unit."
    )
    staff: int = Field(ge=1, le=100000, description="People trained (in each unit, for 'all').")
    hours_per_person: float = Field(
        40.0,
        ge=0.0,
        le=2000.0,
        description="Training hours per person; KoKo II's qualification had five modules, "
        "about five days or 40 hours.",
    )


class Training(Section):
    turnover_per_year: Share = Field(
        0.1,
        description="Share of a unit's staff who leave or change post in a year; their places "
        "are taken by untrained staff, so the trained share decays as share·(1 − turnover)^(t/365) "
        "without new training. No firm source for municipal conflict-case staff; argued as "
        "one in ten a year, the order of turnover in German public administration.",
    )
    cohorts: list[Cohort] = Field(
        default_factory=list, max_length=200, description="Training cohorts on given days."
    )
    recognition_gain: float = Field(
        1.0,
        ge=0.0,
        le=10.0,
        description="Trained staff recognise conflicts early: early warning's daily detection "
        "probability is multiplied by 1 + gain × the mean trained share of the units (KoKo's "
        "aim: notice conflicts early). No source for the size; argued as doubling at full "
        "training.",
    )
    mediation_gain: float = Field(
        0.3,
        ge=0.0,
        le=10.0,
        description="Trained staff prepare the cases they refer to mediation (who is involved, "
        "what happened, what the parties want), so a mediation succeeds with its probability "
        "× (1 + gain × the mean trained share of the units), at most 1. No source for the size; "
        "argued as a third more agreements when every referring member of staff is trained.",
    )


class Administration(Section):
    enabled: bool = Field(
        True, description="Reporting and case handling by administration units."
    )
    units: list[Unit] = Field(
        default_factory=_default_units,
        min_length=1,
        max_length=20,
        description="Administration units; the first is where reports arrive (the entry unit).",
    )
    case_mix: dict[Identifier, Share] = Field(
        default_factory=lambda: {"public_order": 0.5, "social_services": 0.3, "integration": 0.2},
        description="Share of cases belonging to each unit kind; a case goes to the entry "
        "unit and is forwarded when it belongs elsewhere.",
    )
    report_base_probability: Share = Field(
        0.25, description="Probability that an incident is reported at zero trust."
    )
    report_trust_gain: Share = Field(
        0.5,
        description="Added to the report probability per unit of the parties' mean trust: "
        "people report to an administration they trust.",
    )
    forwarding_delay_days: int = Field(
        7, ge=0, le=365, description="Extra days when a case is forwarded to the right unit."
    )
    mismatch_effect: Share = Field(
        0.4,
        description="Effect of handling by a unit the case does not belong to, relative to "
        "the right unit (only where no unit of its kind exists).",
    )
    neglect_after_days: int = Field(
        14, ge=1, le=365, description="A case waiting longer than this counts as neglected."
    )
    grievance_relief: Share = Field(
        0.3, description="Grievance removed from both parties when their case is handled."
    )
    trust_gain: Share = Field(
        0.08, description="Trust added to both parties when their case is handled."
    )
    neglect_grievance_per_day: Share = Field(
        0.01, description="Grievance added each day a neglected case waits."
    )
    neglect_trust_loss_per_day: Share = Field(
        0.004, description="Trust lost each day a neglected case waits."
    )
    trained_deescalation: Share = Field(
        0.5,
        description="Probability that handling by trained staff lowers the tie's stage by "
        "one (times the unit's trained share); moderation works at low stages only "
        "(moderation_max_stage).",
    )
    moderation_max_stage: int = Field(
        3,
        ge=1,
        le=9,
        description="Highest Glasl stage at which handling by trained staff can lower a tie's "
        "stage: moderation fits stages 1 to 3 (Glasl 1982; sources differ by one stage).",
    )
    multi_unit_share: Share = Field(
        0.3,
        description="Share of cases that need a second unit as well (a noise complaint that is "
        "also a housing and a youth-services matter). Without coordination the second part is "
        "handed over after the first is done, with the forwarding delay, and some handovers get "
        "lost. No source; argued because neighbourhood conflicts that reach the administration "
        "typically touch two to three departments (KoKo's reason for interdepartmental "
        "coordination).",
    )
    handover_loss_share: Share = Field(
        0.25,
        description="Without coordination, share of handovers between units that get lost: "
        "the case is never finished, and its parties lose trust and gain grievance "
        "(lost_case_trust_loss, lost_case_grievance). No source; argued as one in four.",
    )
    lost_case_trust_loss: Share = Field(
        0.15, description="Trust lost by both parties when their case is lost between units."
    )
    lost_case_grievance: Share = Field(
        0.15, description="Grievance added to both parties when their case is lost between units."
    )

    staff_hour_cost_eur: float = Field(
        65.0,
        ge=0.0,
        le=1000.0,
        description="Cost of one staff hour in euros, for the reports' cost of a path. No "
        "source; argued as the order of a municipal post in pay grades E9 to E11 with its "
        "overheads, divided by about 1,600 working hours a year. Set your own.",
    )

    @model_validator(mode="after")
    def _check_case_mix(self) -> "Administration":
        total = sum(self.case_mix.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"administration.case_mix: shares sum to {total:g}; they must sum to 1")
        return self


# ----------------------------------------------------------------------------------------------
# Conflict-management structures (the lever users compare)
# ----------------------------------------------------------------------------------------------


def _build_up(days: int, why: str):
    """The ``build_up_days`` field of a structure: days from being set up to full strength."""
    return Field(
        days,
        ge=0,
        le=3650,
        description="Days from being set up during a run (a [[changes]] entry or the dashboard) "
        "to full strength; strength grows linearly, and external advisers speed it up. A "
        "structure the town has from the start is already built. No source for the length; "
        f"argued because {why}. KoKo reckons about 2.5 years for the whole system.",
    )


class ContactPoint(Section):
    enabled: bool = Field(False, description="A low-threshold contact point (Konfliktanlaufstelle).")
    build_up_days: int = _build_up(90, "staff, a room and publicity are a quarter's work")
    report_boost: Share = Field(
        0.2,
        description="Added to the probability that an incident is reported: people know "
        "where to go and it costs them little. No source for the size; argued because it "
        "roughly doubles reporting among residents with low trust, the group a contact point "
        "is built for.",
    )
    routes_to_right_unit: bool = Field(
        True,
        description="Reports go straight to the unit a case belongs to, without forwarding "
        "(handovers between units for cases that need several stay a coordination matter).",
    )
    staff_hours_per_day: float = Field(
        4.0,
        ge=0.0,
        le=200.0,
        description="Hours the contact point is staffed each day, used or not (half a post).",
    )


class EarlyWarning(Section):
    enabled: bool = Field(False, description="Monitoring of district indicators (Früherkennung).")
    build_up_days: int = _build_up(180, "indicators, data routines and a usual level per district take half a year")
    threshold_factor: float = Field(
        2.0,
        ge=1.0,
        le=20.0,
        description="A district is above its threshold when its signals of the last 7 days "
        "(reported cases, rumours picked up by staff) exceed this many times its usual week "
        "(the mean of the weeks before in the window): monitoring looks for change, since "
        "districts differ in their everyday level.",
    )
    min_signals_per_week: int = Field(
        3,
        ge=0,
        le=1000,
        description="... and exceed this count, so one or two reports in a quiet district "
        "raise no alarm.",
    )
    window_weeks: int = Field(
        12,
        ge=2,
        le=104,
        description="Weeks of history the usual level is taken from (the last week is compared "
        "with the weeks before it); about a quarter, long enough to be stable, short enough to "
        "follow seasons.",
    )
    rumour_notice_probability: Share = Field(
        0.05,
        description="Daily probability that staff (street work, schools, the contact point) "
        "pick up a given resident spreading a rumour; each counts as a signal of their "
        "district. No source; argued as about one spreader in three noticed within a week.",
    )
    detection_probability: Share = Field(
        0.3,
        description="Daily probability that a district above its threshold is noticed, once "
        "the lag has passed.",
    )
    lag_days: int = Field(
        3, ge=0, le=90, description="Days a crossing takes to show in the monitored figures."
    )
    alert_days: int = Field(
        21,
        ge=1,
        le=365,
        description="How long a detected district stays on alert: its cases are handled "
        "first, outreach staff go there, mediators and round tables go there first.",
    )
    alert_threat_damping: Share = Field(
        0.05,
        description="Outreach in a district on alert (staff visit, inform, listen): perceived "
        "threat there fades this much more each day. No source for the size; argued as half "
        "the crisis team's town-wide communication, at district scale.",
    )
    staff_hours_per_week: float = Field(
        10.0,
        ge=0.0,
        le=500.0,
        description="Standing cost: hours of monitoring and the weekly review, used or not.",
    )
    staff_hours_per_alert_day: float = Field(
        4.0, ge=0.0, le=200.0, description="Outreach hours per district on alert and day."
    )


class MediatorPool(Section):
    enabled: bool = Field(False, description="A pool of trained mediators (Konfliktmanager:innen).")
    build_up_days: int = _build_up(270, "recruiting mediators and their qualification in modules take about three quarters of a year")
    mediators: int = Field(
        4,
        ge=0,
        le=500,
        description="Mediators working in this town: KoKo I's pool of about 12 served 16 "
        "municipalities, KoKo II trained about 2 conflict managers per municipality; 4 is a "
        "town's own trained staff plus its share of a regional pool.",
    )
    capacity_per_week: float = Field(
        1.0,
        ge=0.0,
        le=50.0,
        description="Mediations one mediator takes on per week (volunteers and part-time staff).",
    )
    skill: Share = Field(
        0.5,
        description="Mean probability that a mediation settles the dispute (lowers the tie's "
        "stage); each mediator's own skill is drawn around it.",
    )
    skill_sd: float = Field(
        0.1, ge=0.0, le=0.5, description="Spread of skill between mediators (normal, clipped)."
    )
    districts_per_mediator: int = Field(
        2,
        ge=1,
        le=50,
        description="Districts each mediator covers (mediator k covers districts k, k+1, ... "
        "in turn): people mediate where they are known, so a crisis in one district is served "
        "by part of the pool.",
    )
    stage_reduction: int = Field(
        4,
        ge=1,
        le=8,
        description="Stages a successful mediation lowers a tie by. A mediation that works ends "
        "in an agreement: 4 brings a dispute from the mandate (4 to 7) back below win-lose, "
        "where it produces no incidents. At 2 a settled stage-6 feud stayed a feud, and the "
        "pool alone changed nothing measurable after the festival violence (paired CI of "
        "incidents [-144; +27] over 20 towns).",
    )
    tension_relief: Share = Field(
        0.1, description="Tension taken from both parties by a successful mediation."
    )
    min_stage: int = Field(
        4,
        ge=1,
        le=9,
        description="Lowest Glasl stage the mediators act in; practice puts mediation at "
        "about stages 4 to 7 (Glasl 1982's table of strategies; sources differ by one stage). "
        "Below it, moderation by trained staff fits.",
    )
    max_stage: int = Field(7, ge=1, le=9, description="Highest Glasl stage the mediators act in.")
    known_for_days: int = Field(
        60,
        ge=1,
        le=3650,
        description="Mediators work disputes the town knows of: ties with a case reported in "
        "this many days, or in a district on alert.",
    )
    staff_hours_per_mediation: float = Field(
        6.0, ge=0.0, le=100.0, description="Hours one mediation costs, preparation included."
    )
    retainer_hours_per_week: float = Field(
        2.0,
        ge=0.0,
        le=100.0,
        description="Standing cost per mediator: supervision, case meetings and refresher "
        "training, used or not (about a day a month).",
    )
    cooldown_days: int = Field(
        90,
        ge=0,
        le=3650,
        description="A dispute mediated once is not taken on again for this many days: "
        "parties rarely go through mediation twice in a season, and pools serve many cases.",
    )

    @model_validator(mode="after")
    def _check_mandate(self) -> "MediatorPool":
        if self.min_stage > self.max_stage:
            raise ValueError(
                f"structures.mediator_pool: min_stage {self.min_stage} is above max_stage {self.max_stage}"
            )
        return self


class RoundTables(Section):
    enabled: bool = Field(False, description="Dialogue between groups in a district (runde Tische).")
    build_up_days: int = _build_up(120, "finding participants from every group takes a few months")
    interval_days: int = Field(
        28, ge=1, le=365, description="A round table meets in each district every this many days."
    )
    participants: int = Field(
        16, ge=2, le=500, description="Residents at one round table, drawn from all groups."
    )
    tension_relief: Share = Field(0.15, description="Tension taken from each participant.")
    threat_relief: Share = Field(
        0.3,
        description="Share of perceived threat a participant loses: meeting the others "
        "reduces intergroup anxiety and threat, the main way contact works (Pettigrew & "
        "Tropp 2008).",
    )
    opinion_convergence: Share = Field(
        0.2,
        description="Share of the distance to the table's mean view each participant moves: "
        "hearing the others out.",
    )
    befriend_probability: Share = Field(
        0.3,
        description="Probability that a neutral cross-group tie between two participants turns "
        "friendly (contact under equal status, Allport 1954).",
    )
    spillover: Share = Field(
        0.5,
        description="Participants' network neighbours get this share of the tension and "
        "threat relief: hearing from a friend who met the other side helps too (extended "
        "contact; Wright et al. 1997).",
    )
    staff_hours_per_table: float = Field(
        12.0, ge=0.0, le=200.0, description="Hours to prepare, moderate and follow up one table."
    )
    staff_hours_per_week: float = Field(
        2.0,
        ge=0.0,
        le=200.0,
        description="Standing cost: keeping the contacts and the venue, used or not.",
    )


class Coordination(Section):
    enabled: bool = Field(False, description="Interdepartmental coordination between the units.")
    build_up_days: int = _build_up(180, "agreements between departments on who does what take half a year")
    forwarding_factor: Share = Field(
        0.2,
        description="Forwarding and handovers between units take this share of their usual "
        "delay (a standing case conference instead of letters).",
    )
    duplicate_share: Share = Field(
        0.3,
        description="Without coordination, this share of forwarded cases is also handled at "
        "the entry unit, costing its capacity twice; coordination avoids that.",
    )
    staff_hours_per_day: float = Field(
        1.0,
        ge=0.0,
        le=200.0,
        description="Hours of coordination meetings, per day on average, used or not.",
    )


class CrisisTeam(Section):
    enabled: bool = Field(False, description="A crisis team ready to act (Krisenstab).")
    build_up_days: int = _build_up(60, "a crisis team is a standing group with a protocol, set up in weeks")
    activate_on_shock: bool = Field(
        True,
        description="Convenes on the day of a shock the public sees (a violent incident, a "
        "rumour); a budget cut, a decision or people moving in do not convene it by themselves.",
    )
    trigger_factor: float = Field(
        2.0,
        ge=1.0,
        le=20.0,
        description="Also convenes when the town's reported cases of the last 7 days exceed "
        "this many times its usual week (the weeks before, over window_weeks): escalation the "
        "town can see, relative to its own normal level.",
    )
    min_cases_per_week: int = Field(
        8, ge=0, le=10000, description="... and exceed this count (a quiet town's noise is no crisis)."
    )
    window_weeks: int = Field(
        12, ge=2, le=104, description="Weeks of history the usual weekly level is taken from."
    )
    active_days: int = Field(42, ge=1, le=365, description="Days it stays active once activated.")
    capacity_factor: float = Field(
        2.0, ge=1.0, le=10.0, description="Units' case capacity is multiplied by this while active."
    )
    threat_damping: Share = Field(
        0.1,
        description="Extra daily fading of perceived threat while active: public "
        "communication that counters fear.",
    )
    rumour_stifling: Share = Field(
        0.5,
        description="While active, probability that a rumour spreader meeting someone gives "
        "up spreading (public correction of the rumour).",
    )
    intervention_min_stage: int = Field(
        7,
        ge=1,
        le=9,
        description="Lowest Glasl stage of the feuds the crisis team has separated by public "
        "order and power intervention, which practice puts at stages 7 to 9 (Glasl 1982).",
    )
    intervention_probability: Share = Field(
        0.15,
        description="Daily probability, while active, that a feud at or above that stage is "
        "intervened in; it falls intervention_stage_reduction stages. No source; argued as "
        "about one week to reach a known feud.",
    )
    intervention_stage_reduction: int = Field(
        3, ge=1, le=8, description="Stages an intervention lowers a feud by (into mediation's band)."
    )
    staff_hours_per_active_day: float = Field(
        16.0, ge=0.0, le=500.0, description="Hours the crisis team costs each active day."
    )
    readiness_hours_per_week: float = Field(
        2.0,
        ge=0.0,
        le=500.0,
        description="Standing cost: keeping the team, its contact lists and plans ready, used "
        "or not.",
    )


class Structures(Section):
    contact_point: ContactPoint = Field(default_factory=ContactPoint, description="Contact point.")
    early_warning: EarlyWarning = Field(default_factory=EarlyWarning, description="Early warning.")
    mediator_pool: MediatorPool = Field(default_factory=MediatorPool, description="Mediator pool.")
    round_tables: RoundTables = Field(default_factory=RoundTables, description="Round tables.")
    coordination: Coordination = Field(default_factory=Coordination, description="Coordination.")
    crisis_team: CrisisTeam = Field(default_factory=CrisisTeam, description="Crisis team.")


# The structures are the fields of ``Structures``; every list of names derives from it.
STRUCTURE_NAMES = tuple(Structures.model_fields)
PRESETS: dict[str, tuple[str, ...]] = {
    "none": (),
    "reactive": ("contact_point",),
    "koko": STRUCTURE_NAMES,
}


# ----------------------------------------------------------------------------------------------
# Shocks
# ----------------------------------------------------------------------------------------------


class _Shock(Section):
    day: int = Field(ge=1, le=36500, description="Day the shock hits (before that day's step).")
    district: str | None = Field(
        None, description="District it hits, by name; none means the whole town where that applies."
    )


class NewcomerInflux(_Shock):
    kind: Literal["newcomer_influx"]
    group: str = Field(description="Group of the new residents, by name.")
    size: int = Field(ge=1, le=1_000_000, description="Number of new residents.")
    ties_per_resident: float = Field(
        4.0, ge=1.0, le=100.0, description="Ties each newcomer has at first; they know few people yet."
    )
    threat: Share = Field(
        0.15,
        description="Perceived threat added to residents of other groups in the district: a "
        "growing out-group is the classic trigger of group threat (Blumer 1958; Quillian 1995). "
        "No source for the size; argued as half a violent incident's.",
    )


class ViolentIncident(_Shock):
    kind: Literal["violent_incident"]
    size: int = Field(
        10, ge=1, le=100_000, description="Ties drawn into the incident (turn hostile at 'stage')."
    )
    stage: int = Field(5, ge=1, le=9, description="Glasl stage those ties jump to.")
    tension_jump: Share = Field(0.3, description="Tension added to everyone in the district.")
    threat: Share = Field(0.3, description="Perceived threat added to everyone in the district.")


class Rumour(_Shock):
    kind: Literal["rumour"]
    size: int = Field(5, ge=1, le=100_000, description="Residents who start spreading it.")
    target_group: str = Field(description="Group the rumour is about, by name.")
    contacts_per_day: int = Field(
        3, ge=1, le=100, description="Times a day each spreader tells a random neighbour."
    )
    hostility_probability: Share = Field(
        0.1,
        description="Probability that a believer's tie to a member of the target group turns "
        "hostile (stage 2).",
    )
    threat: Share = Field(0.2, description="Perceived threat added to each believer.")


class ContestedDecision(_Shock):
    kind: Literal["contested_decision"]
    favours: Literal["low", "high"] = Field(
        "high", description="Which side of the opinion scale the decision favours."
    )
    opinion_push: Share = Field(
        0.05, description="Residents on the losing side move this far away from the decision."
    )
    trust_loss: Share = Field(0.15, description="Trust lost by residents on the losing side.")
    grievance: Share = Field(0.15, description="Grievance added on the losing side.")
    tension_jump: Share = Field(0.1, description="Tension added on the losing side.")
    threat: Share = Field(
        0.2,
        description="Perceived threat added on the losing side: a decision for the other "
        "group's interests reads as a threat to one's own (Blumer 1958).",
    )


class ResourceCut(_Shock):
    kind: Literal["resource_cut"]
    unit: str = Field(description="Kind of the unit that loses capacity, e.g. 'integration'.")
    size: Share = Field(0.5, description="Share of the unit's capacity lost.")
    duration_days: int = Field(180, ge=1, le=36500, description="How long the cut lasts.")


Shock = Annotated[
    NewcomerInflux | ViolentIncident | Rumour | ContestedDecision | ResourceCut,
    Field(discriminator="kind"),
]
# The shock kinds are the schema classes of the union above; every list derives from it.
SHOCK_CLASSES: dict[str, type[BaseModel]] = {
    get_args(cls.model_fields["kind"].annotation)[0]: cls
    for cls in get_args(get_args(Shock)[0])
}
SHOCK_KINDS = tuple(SHOCK_CLASSES)



class Change(Section):
    """A change the municipality makes on a given day: settings of structures, of the
    administration or of staff training, by dotted key, e.g.
    ``set = { "structures.mediator_pool.enabled" = true, "structures.mediator_pool.mediators" = 6 }``
    or ``"administration.units.0.trained_share" = 0.3``."""

    day: int = Field(ge=1, le=36500, description="Day the change takes effect (before that day's step).")
    set: dict[str, bool | int | float | str] = Field(
        min_length=1,
        max_length=50,
        description="Dotted keys below 'structures.' or 'administration.' and their new values; "
        "validated like the scenario file.",
    )
    label_en: str = Field("", max_length=120, description="Shown on the timeline (English).")
    label_de: str = Field("", max_length=120, description="Shown on the timeline (German).")


CHANGEABLE = ("structures.", "administration.", "training.", "advisers.")


class Advisers(Section):
    """External conflict advisers (Kommunale Konfliktberatung) engaged for a limited time.

    While engaged they analyse the town's conflicts (early warning notices more), coach staff
    (trained shares rise faster than by training alone) and help set up structures (build-up
    goes faster). When they leave, what they built persists only as staff and structures
    carry it: trained shares erode with staff turnover.
    """

    count: int = Field(0, ge=0, le=50, description="Advisers engaged (0: none).")
    start_day: int = Field(1, ge=1, le=36500, description="First day of the engagement.")
    end_day: int = Field(365, ge=1, le=36500, description="Last day of the engagement.")
    days_per_month: float = Field(
        4.0,
        ge=0.0,
        le=22.0,
        description="Days each adviser works for the town in a month. No source; argued "
        "as one day a week, the rhythm of an accompanying consultancy.",
    )
    cost_per_day_eur: float = Field(
        1200.0,
        ge=0.0,
        le=100000.0,
        description="Fee per adviser day in euros. No source; argued as the order of daily "
        "rates of consultancies for public administration in Germany. Set your own.",
    )
    coaching_per_day: Share = Field(
        0.004,
        description="Per adviser day, each unit's untrained share falls by this share (its "
        "staff learn on the job). No source; argued so that one adviser at one day a week "
        "lifts a unit from 0 to about a fifth trained in a year, about what one training "
        "cohort gives.",
    )
    analysis_gain: float = Field(
        0.5,
        ge=0.0,
        le=10.0,
        description="While advisers are engaged, early warning's detection probability is "
        "multiplied by 1 + gain × (adviser days per week, at most 1). No source; argued as a "
        "half again more alerts found with an outside analysis at hand.",
    )
    build_up_speedup: float = Field(
        1.0,
        ge=0.0,
        le=10.0,
        description="While advisers are engaged, structures build up 1 + speedup × (adviser "
        "days per week, at most 1) times as fast. No source; argued as twice as fast with "
        "someone who has set such structures up before.",
    )
    staff_hours_per_adviser_day: float = Field(
        8.0,
        ge=0.0,
        le=200.0,
        description="Staff hours each adviser day binds (meetings, coaching, joint analysis).",
    )

    @model_validator(mode="after")
    def _check_period(self) -> "Advisers":
        if self.end_day < self.start_day:
            raise ValueError(
                f"advisers.end_day = {self.end_day}: allowed: at least advisers.start_day ({self.start_day})"
            )
        return self


class Variant(Section):
    """A named path a comparison can run: a structure setting plus settings, changes and
    training cohorts of its own (e.g. "build-up with advisers")."""

    name: Identifier = Field(description="Identifier of the path, used in output columns.")
    label_en: str = Field(max_length=80, description="Name shown in English.")
    label_de: str = Field(max_length=80, description="Name shown in German.")
    preset: str = Field("custom", description="Structure setting to start from (see presets).")
    set: dict[str, bool | int | float | str] = Field(
        default_factory=dict, max_length=100, description="Dotted keys and their values for this path."
    )
    changes: list[Change] = Field(default_factory=list, max_length=200, description="Changes of this path.")
    cohorts: list[Cohort] = Field(default_factory=list, max_length=200, description="Training cohorts of this path.")


class Scenario(Section):
    """A complete, validated Quartier scenario."""

    meta: Meta = Field(default_factory=Meta, description="Titles and description.")
    seed: int = Field(
        20240601, ge=0, le=2**63 - 1, description="Seed of the model's random generator."
    )
    days: int = Field(365, ge=1, le=36500, description="Days to simulate (one step is one day).")
    warmup_days: int = Field(
        240,
        ge=0,
        le=3650,
        description="Unrecorded days simulated before day 0, so a run starts from the "
        "town's everyday state rather than its arbitrary initial one; at the defaults the "
        "share of escalated ties levels off after about 200 days.",
    )
    town: Town = Field(default_factory=Town, description="Residents, districts, groups, network.")
    residents: ResidentTraits = Field(
        default_factory=ResidentTraits, description="Initial traits of residents."
    )
    opinion: Opinion = Field(default_factory=Opinion, description="The opinion rule.")
    conflict: Conflict = Field(default_factory=Conflict, description="Tension, ties, incidents.")
    administration: Administration = Field(
        default_factory=Administration, description="Reporting and case handling."
    )
    structures: Structures = Field(
        default_factory=Structures, description="The municipality's conflict-management structures."
    )
    shocks: list[Shock] = Field(
        default_factory=list, max_length=100, description="Events that hit the town on given days."
    )
    training: Training = Field(
        default_factory=Training,
        description="Staff qualification over time: training cohorts and turnover (the town's "
        "own setting, the same under every structure setting).",
    )
    changes: list[Change] = Field(
        default_factory=list,
        max_length=200,
        description="Changes to structures, administration and training on given days "
        "(building a system over time: a structure set up on day t, staff trained, a budget "
        "restored).",
    )
    advisers: Advisers = Field(
        default_factory=Advisers, description="External conflict advisers for a limited time."
    )
    variants: list[Variant] = Field(
        default_factory=list,
        max_length=12,
        description="Named paths for `quartier compare` (compared instead of structure "
        "settings when the file has them).",
    )

    def group_names(self) -> list[str]:
        return [g.name for g in self.town.groups]

    @model_validator(mode="after")
    def _check_shocks(self) -> "Scenario":
        groups = self.group_names()
        kinds = sorted({u.kind for u in self.administration.units} | set(self.administration.case_mix))
        for k, shock in enumerate(self.shocks):
            where = f"shocks[{k}]"
            if shock.district is not None and shock.district not in self.town.districts:
                raise ValueError(
                    f"{where}.district = {shock.district!r}: allowed: one of {self.town.districts}"
                )
            for field in ("group", "target_group"):
                value = getattr(shock, field, None)
                if value is not None and value not in groups:
                    raise ValueError(f"{where}.{field} = {value!r}: allowed: one of {groups}")
            if isinstance(shock, ResourceCut) and shock.unit not in kinds:
                raise ValueError(f"{where}.unit = {shock.unit!r}: allowed: one of {kinds}")
        unit_kinds = [u.kind for u in self.administration.units]
        for k, cohort in enumerate(self.training.cohorts):
            if cohort.unit != "all" and cohort.unit not in unit_kinds:
                raise ValueError(
                    f"training.cohorts[{k}].unit = {cohort.unit!r}: allowed: 'all' or one of {unit_kinds}"
                )
        return self

    @model_validator(mode="after")
    def _check_changes(self) -> "Scenario":
        if not self.changes:
            return self
        data = self.model_dump(exclude={"changes"})
        for k, change in sorted(enumerate(self.changes), key=lambda kc: kc[1].day):
            for dotted, value in change.set.items():
                if not dotted.startswith(CHANGEABLE):
                    raise ValueError(
                        f"changes[{k}].set: key {dotted!r}: allowed: keys below {' or '.join(CHANGEABLE)}"
                    )
                try:
                    _set_dotted(data, dotted, value)
                except ScenarioError as exc:
                    raise ValueError(f"changes[{k}].set: {exc}") from None
            try:
                Scenario.model_validate(data)
            except ValidationError as exc:
                detail = format_validation_error(exc, "change").splitlines()[1].strip()
                raise ValueError(f"changes[{k}] (day {change.day}): {detail}") from None
        return self

    @model_validator(mode="after")
    def _check_variants(self) -> "Scenario":
        names = [v.name for v in self.variants]
        if len(set(names)) != len(names):
            raise ValueError(f"variants: names must be unique, got {names}")
        for k, variant in enumerate(self.variants):
            try:
                setting(self, variant.name)
            except ScenarioError as exc:
                detail = str(exc).splitlines()[-1].strip()
                raise ValueError(f"variants[{k}] ({variant.name}): {detail}") from None
        return self

    def first_shock_day(self) -> int | None:
        return min((s.day for s in self.shocks), default=None)


def setting(scenario: Scenario, name: str) -> Scenario:
    """The scenario under a comparison setting: the variant ``name`` of the file's
    ``[[variants]]`` (its preset, then its ``set`` keys, then its changes and cohorts added to
    the file's), or else the structure setting ``name`` (:func:`with_preset`)."""
    variant = next((v for v in scenario.variants if v.name == name), None)
    if variant is None:
        return with_preset(scenario, name)
    # Without its variants, so validating the path does not validate the paths again.
    data = with_preset(scenario.model_copy(update={"variants": []}), variant.preset).model_dump()
    for dotted, value in variant.set.items():
        _set_dotted(data, dotted, value)
    data["changes"] = [*data["changes"], *(c.model_dump() for c in variant.changes)]
    data["training"]["cohorts"] = [*data["training"]["cohorts"], *(c.model_dump() for c in variant.cohorts)]
    return scenario_from_dict(data, f"variants ({name})")


def with_preset(scenario: Scenario, preset: str) -> Scenario:
    """The scenario under a structure setting.

    ``none`` (no structure), ``reactive`` (a contact point), ``koko`` (all six structures),
    ``custom`` (the structures as the scenario file sets them), or a preset with structures
    added by ``+`` or removed by ``-``, e.g. ``none+mediator_pool`` or ``koko-coordination``.

    A setting switches structures on and off and changes nothing else: the administration's
    units, their staff and trained share are the town's own, the same in every setting of a
    comparison, so a difference between two settings is the effect of the structures.
    """
    if preset == "custom":
        return scenario
    parts = re.split(r"([+-])", preset)
    base, changes = parts[0], list(zip(parts[1::2], parts[2::2]))
    unknown = [name for _, name in changes if name not in STRUCTURE_NAMES]
    if base not in PRESETS or unknown:
        allowed = ", ".join([*PRESETS, "custom"])
        raise ScenarioError(
            f"structure setting {preset!r}: allowed: {allowed}, optionally followed by "
            f"+structure or -structure with structures from {', '.join(STRUCTURE_NAMES)}"
        )
    on = set(PRESETS[base])
    for sign, name in changes:
        (on.add if sign == "+" else on.discard)(name)
    data = scenario.model_dump()
    for name in STRUCTURE_NAMES:
        data["structures"][name]["enabled"] = name in on
    return scenario_from_dict(data, f"preset {preset}")


# ----------------------------------------------------------------------------------------------
# Loading and error messages
# ----------------------------------------------------------------------------------------------


def _location(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            key = f'"{item}"' if "." in str(item) else str(item)  # a dotted key, e.g. a parameter name
            parts.append(("." if parts else "") + key)
    return "".join(parts) or "(top level)"


def model_at(loc: tuple[Any, ...], root: type[BaseModel] | None = None) -> type[BaseModel] | None:
    """The schema class that owns the last key of ``loc`` (for listing allowed keys)."""
    model: Any = Scenario if root is None else root
    skip_key = False
    for item in loc[:-1]:
        if isinstance(item, int) or skip_key:
            skip_key = False
            continue
        field = getattr(model, "model_fields", {}).get(item)
        if field is None:
            return None
        ann = field.annotation
        args = getattr(ann, "__args__", ())
        candidates = [ann, *args]
        nxt = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
        if nxt is None:
            return None
        skip_key = getattr(ann, "__origin__", None) is dict  # the next item is a dict key
        model = nxt
    return model


_TYPE_NAMES = {
    "int_type": "a whole number", "int_parsing": "a whole number", "int_from_float": "a whole number",
    "float_type": "a number", "float_parsing": "a number", "finite_number": "a finite number",
    "bool_type": "true or false", "bool_parsing": "true or false",
    "string_type": "text in quotes", "list_type": "a list, e.g. [1, 2]",
    "dict_type": "a table", "model_type": "a table", "model_attributes_type": "a table",
}


def _describe_allowed(err: dict[str, Any], root: type[BaseModel] | None = None) -> str:
    """'allowed: ...' for one pydantic error: the type and the range of the field."""
    ctx = err.get("ctx") or {}
    kind = err["type"]
    bounds = {
        "greater_than_equal": ">= {ge}",
        "greater_than": "> {gt}",
        "less_than_equal": "<= {le}",
        "less_than": "< {lt}",
    }
    if kind in bounds:
        field_range = range_of(err["loc"], root)
        return f"allowed: {field_range}" if field_range else "allowed: " + bounds[kind].format(**ctx)
    if kind in _TYPE_NAMES:
        field_range = range_of(err["loc"], root) if kind[:3] in ("int", "flo", "fin") else None
        return f"allowed: {_TYPE_NAMES[kind]}" + (f" in {field_range}" if field_range else "")
    if kind == "literal_error":
        return f"allowed: {ctx.get('expected')}"
    if kind in ("string_too_long", "too_long"):
        unit = "characters" if kind == "string_too_long" else "items"
        return f"allowed: at most {ctx.get('max_length')} {unit}"
    if kind in ("string_too_short", "too_short"):
        unit = "characters" if kind == "string_too_short" else "items"
        return f"allowed: at least {ctx.get('min_length')} {unit}"
    return err["msg"][0].lower() + err["msg"][1:]


def field_bounds(info) -> tuple[float | None, float | None, bool, bool]:
    """(low, high, low_open, high_open) of a schema field, from its constraints.

    The one place that reads a field's range: error messages, the generated reference and
    the dashboard's sliders all ask here.
    """
    lo = hi = None
    lo_open = hi_open = False
    for m in info.metadata:
        if getattr(m, "ge", None) is not None:
            lo = m.ge
        if getattr(m, "gt", None) is not None:
            lo, lo_open = m.gt, True
        if getattr(m, "le", None) is not None:
            hi = m.le
        if getattr(m, "lt", None) is not None:
            hi, hi_open = m.lt, True
    return lo, hi, lo_open, hi_open


def format_bounds(info) -> str | None:
    """A field's range as an interval, e.g. '(0.0, 0.5]'; None when it has none."""
    lo, hi, lo_open, hi_open = field_bounds(info)
    if lo is None and hi is None:
        return None
    left = "(" if lo_open else "["
    right = ")" if hi_open else "]"
    return f"{left}{lo if lo is not None else '-inf'}, {hi if hi is not None else 'inf'}{right}"


def range_of(loc: tuple[Any, ...], root: type[BaseModel] | None = None) -> str | None:
    loc, shock_class = _shock_class(loc)
    model = shock_class if shock_class is not None and len(loc) == 3 else model_at(loc, root)
    if model is None:
        return None
    field = model.model_fields.get(loc[-1])
    return None if field is None else format_bounds(field)


def _shock_class(loc: tuple[Any, ...]) -> tuple[tuple[Any, ...], type[BaseModel] | None]:
    """Drop pydantic's union tag from a location inside ``shocks`` and name the shock class."""
    if len(loc) >= 3 and loc[0] == "shocks" and isinstance(loc[1], int) and loc[2] in SHOCK_CLASSES:
        return (loc[0], loc[1], *loc[3:]), SHOCK_CLASSES[loc[2]]
    return loc, None


def format_validation_error(exc: ValidationError, source: str, root: type[BaseModel] | None = None) -> str:
    """One line per problem: the key, the value (shortened) and what is allowed.

    A missing key is named as missing (not echoed with its whole parent table); a problem
    found by a rule across keys names where it was found. ``root`` is the schema class
    validated (default :class:`Scenario`)."""
    from .inputs import shorten

    lines = [f"{source}: invalid {'scenario' if root is None else root.__name__.lower()}"]
    for err in exc.errors():
        loc, shock_class = _shock_class(tuple(err["loc"]))
        where = _location(loc)
        if err["type"] == "union_tag_invalid":
            kind = (err.get("input") or {}).get("kind")
            lines.append(f"  {where}.kind = {shorten(kind)}: allowed: {', '.join(SHOCK_KINDS)}")
        elif err["type"] == "union_tag_not_found":
            lines.append(f"  {where}: missing key 'kind'; allowed: {', '.join(SHOCK_KINDS)}")
        elif err["type"] == "missing":
            lines.append(f"  {where}: missing key (required here)")
        elif err["type"] == "extra_forbidden":
            model = shock_class if shock_class is not None and len(loc) == 3 else model_at(loc, root)
            allowed = sorted(model.model_fields) if model is not None else []
            hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            did_you_mean = f" (did you mean '{hint[0]}'?)" if hint else ""
            lines.append(
                f"  {where}: unknown key{did_you_mean}; allowed keys here: {', '.join(allowed)}"
            )
        elif err["type"] == "value_error":
            message = err["msg"].removeprefix("Value error, ")
            named = not loc or message.startswith((where, str(loc[-1])))  # the rule named its key itself
            lines.append(f"  {message}" if named else f"  {where}: {message}")
        else:
            lines.append(f"  {where} = {shorten(err.get('input'))}: {_describe_allowed(err, root)}")
    return "\n".join(lines)


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_toml(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The TOML table of a scenario file merged onto its ``base`` chain.

    The file is read by :func:`simulation.inputs.read_text`: at most 1 MiB of UTF-8 from a
    regular file; anything else is a :class:`ScenarioError` saying what the file is."""
    from .inputs import InputError, read_text, shorten

    resolved = Path(path).resolve()
    if resolved in seen:
        raise ScenarioError(f"{path}: 'base' files form a cycle: {' -> '.join(map(str, (*seen, resolved)))}")
    try:
        data = tomllib.loads(read_text(path, "scenario file"))
    except InputError as exc:
        raise ScenarioError(str(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{shorten(path, 120, quote=False)}: not valid TOML: {exc}") from None
    except RecursionError:  # tomllib parses nested arrays and tables recursively
        raise ScenarioError(f"{shorten(path, 120, quote=False)}: not valid TOML: arrays or tables nested too deeply") from None
    base = data.pop("base", None)
    if base is None:
        return data
    if not isinstance(base, str) or not base.strip():
        raise ScenarioError(f"{path}: base = {shorten(base)}: allowed: a scenario file name (text in quotes)")
    try:
        parent = _read_toml(resolved.parent / base, (*seen, resolved))
    except ScenarioError as exc:
        if seen or "cycle" in str(exc):
            raise
        raise ScenarioError(f"{path}: base = {shorten(base)}: {exc}") from None
    return _deep_merge(parent, data)


def scenario_from_dict(data: dict[str, Any], source: str = "scenario") -> Scenario:
    """Validate a plain dict (as read from TOML) into a :class:`Scenario`."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, source)) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file (following its ``base`` chain)."""
    path = Path(path)
    return scenario_from_dict(_read_toml(path), str(path))


def apply_overrides(scenario: Scenario, overrides: dict[str, Any]) -> Scenario:
    """A new scenario with dotted keys replaced, e.g. ``{"town.residents": 500}``; a number
    indexes a list, e.g. ``"town.groups.0.share"``.

    Every override is validated like a file; unknown paths are errors naming the key.
    """
    data = scenario.model_dump()
    for dotted, value in overrides.items():
        _set_dotted(data, dotted, value)
    return scenario_from_dict(data, "override")


def _set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``data[a][b][0][c] = value`` for ``dotted = "a.b.0.c"``; unknown keys and
    out-of-range indices raise :class:`ScenarioError` naming the key."""
    from .inputs import shorten

    node: Any = data
    parts = dotted.split(".")
    for depth, part in enumerate(parts):
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ScenarioError(
                    f"{dotted}: '{'.'.join(parts[:depth])}' has {len(node)} entries; allowed: an index from 0 "
                    f"to {len(node) - 1}, not {shorten(part, 20)}"
                )
            key: Any = int(part)
        elif isinstance(node, dict):
            if part not in node:
                keys = ", ".join(sorted(node))
                parent = ".".join(parts[:depth]) or "the scenario"
                raise ScenarioError(f"{dotted}: unknown key '{shorten(part, 40, quote=False)}' in {parent}; allowed keys here: {keys}")
            key = part
        else:
            raise ScenarioError(f"{dotted}: '{'.'.join(parts[:depth])}' is a value, not a table")
        if depth == len(parts) - 1:
            node[key] = value
        else:
            node = node[key]


def scenario_warnings(scenario: Scenario) -> list[str]:
    """Settings that are valid but will not do what they say: events scheduled after the
    last simulated day never happen, and the shock-response figures measured from the first
    shock (peak, time to de-escalation, excess burden) are then not defined (NaN)."""
    found: list[str] = []

    def walk(node: Any, loc: tuple[Any, ...]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("day", "start_day", "from_day") and isinstance(value, int) and value > scenario.days:
                    found.append(f"{_location((*loc, key))} = {value}")
                else:
                    walk(value, (*loc, key))
        elif isinstance(node, list):
            for k, value in enumerate(node):
                walk(value, (*loc, k))

    walk(scenario.model_dump(), ())
    if not found:
        return []
    return [
        f"{', '.join(found)}: after the last day (days = {scenario.days}), so never happens; figures measured "
        "from the first shock (peak, time to de-escalation, excess burden) are then not defined (NaN)"
    ]


