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
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

__all__ = [
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


class _Section(BaseModel):
    """Base of every schema section: unknown keys are errors, assignments are validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)


# ----------------------------------------------------------------------------------------------
# Texts shown to people
# ----------------------------------------------------------------------------------------------


class Meta(_Section):
    title_en: str = Field("Untitled scenario", max_length=120, description="Title in English.")
    title_de: str = Field("Szenario ohne Titel", max_length=120, description="Title in German.")
    description_en: str = Field(
        "", max_length=2000, description="What happens, in a few sentences a trainer can read out."
    )
    description_de: str = Field(
        "", max_length=2000, description="Dasselbe auf Deutsch, für Workshops vorzulesen."
    )


# ----------------------------------------------------------------------------------------------
# The town: residents, groups, districts, network
# ----------------------------------------------------------------------------------------------


class Group(_Section):
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


class Network(_Section):
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


class Town(_Section):
    residents: int = Field(2000, ge=10, le=2_000_000, description="Number of residents.")
    districts: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        default_factory=lambda: ["Nord", "Ost", "Süd", "West"],
        min_length=1,
        max_length=50,
        description="Names of the districts; residents are spread evenly over them.",
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


class ResidentTraits(_Section):
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
    stress_mean: Share = Field(
        0.25,
        description="Mean background stress (crowding, poverty, noise): the part of the "
        "tension drive that does not come from the conflict itself.",
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


class Opinion(_Section):
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


class Conflict(_Section):
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


class Unit(_Section):
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


class Administration(_Section):
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
        "one (times the unit's trained share).",
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


class ContactPoint(_Section):
    enabled: bool = Field(False, description="A low-threshold contact point (Konfliktanlaufstelle).")
    report_boost: Share = Field(
        0.2,
        description="Added to the probability that an incident is reported: people know "
        "where to go and it costs them little.",
    )
    routes_to_right_unit: bool = Field(
        True, description="Reports go straight to the unit a case belongs to, without forwarding."
    )
    staff_hours_per_day: float = Field(
        4.0, ge=0.0, le=200.0, description="Hours the contact point is staffed each day (half a post)."
    )


class EarlyWarning(_Section):
    enabled: bool = Field(False, description="Monitoring of district indicators (Früherkennung).")
    threshold_factor: float = Field(
        2.0,
        ge=1.0,
        le=20.0,
        description="A district is above its threshold when its incidents of the last 7 days "
        "exceed this many times its usual week (the mean of the 11 weeks before): monitoring "
        "looks for change, since towns differ in their everyday level.",
    )
    min_incidents_per_week: int = Field(
        3,
        ge=0,
        le=1000,
        description="... and exceed this count, so one or two incidents in a quiet district "
        "raise no alarm.",
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
        description="How long a detected district stays on alert: mediators and round "
        "tables go there first.",
    )
    staff_hours_per_day: float = Field(
        2.0, ge=0.0, le=200.0, description="Hours of monitoring and reporting each day."
    )


class MediatorPool(_Section):
    enabled: bool = Field(False, description="A pool of trained mediators (Konfliktmanager:innen).")
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
        0.5, description="Probability that a mediation lowers the tie's stage (settles the dispute)."
    )
    stage_reduction: int = Field(
        2, ge=1, le=8, description="Stages a successful mediation lowers a tie by."
    )
    tension_relief: Share = Field(
        0.1, description="Tension taken from both parties by a successful mediation."
    )
    min_stage: int = Field(
        3,
        ge=1,
        le=9,
        description="Lowest Glasl stage the mediators act in; practice puts mediation at "
        "about stages 3 to 6 (sources differ by one stage).",
    )
    max_stage: int = Field(6, ge=1, le=9, description="Highest Glasl stage the mediators act in.")
    staff_hours_per_mediation: float = Field(
        6.0, ge=0.0, le=100.0, description="Hours one mediation costs, preparation included."
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


class RoundTables(_Section):
    enabled: bool = Field(False, description="Dialogue between groups in a district (runde Tische).")
    interval_days: int = Field(
        28, ge=1, le=365, description="A round table meets in each district every this many days."
    )
    participants: int = Field(
        16, ge=2, le=500, description="Residents at one round table, drawn from all groups."
    )
    tension_relief: Share = Field(0.15, description="Tension taken from each participant.")
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
    staff_hours_per_table: float = Field(
        12.0, ge=0.0, le=200.0, description="Hours to prepare, moderate and follow up one table."
    )


class Coordination(_Section):
    enabled: bool = Field(False, description="Interdepartmental coordination between the units.")
    forwarding_factor: Share = Field(
        0.2, description="Forwarding takes this share of its usual delay."
    )
    duplicate_share: Share = Field(
        0.3,
        description="Without coordination, this share of forwarded cases is also handled at "
        "the entry unit, costing its capacity twice; coordination avoids that.",
    )
    staff_hours_per_day: float = Field(
        1.0, ge=0.0, le=200.0, description="Hours of coordination meetings, per day on average."
    )


class CrisisTeam(_Section):
    enabled: bool = Field(False, description="A crisis team ready to act (Krisenstab).")
    activate_on_shock: bool = Field(True, description="Activates on the day a shock hits.")
    activation_escalation_index: Share = Field(
        0.01,
        description="Also activates when the town's escalation index exceeds this (about "
        "five times a quiet baseline).",
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
    staff_hours_per_active_day: float = Field(
        16.0, ge=0.0, le=500.0, description="Hours the crisis team costs each active day."
    )


class Structures(_Section):
    contact_point: ContactPoint = Field(default_factory=ContactPoint, description="Contact point.")
    early_warning: EarlyWarning = Field(default_factory=EarlyWarning, description="Early warning.")
    mediator_pool: MediatorPool = Field(default_factory=MediatorPool, description="Mediator pool.")
    round_tables: RoundTables = Field(default_factory=RoundTables, description="Round tables.")
    coordination: Coordination = Field(default_factory=Coordination, description="Coordination.")
    crisis_team: CrisisTeam = Field(default_factory=CrisisTeam, description="Crisis team.")
    koko_trained_share: Share = Field(
        0.3,
        description="Under the 'koko' preset every unit has at least this share of staff "
        "trained in conflict management (KoKo trained 2-3 staff per municipality).",
    )


STRUCTURE_NAMES = ("contact_point", "early_warning", "mediator_pool", "round_tables", "coordination", "crisis_team")
PRESETS: dict[str, tuple[str, ...]] = {
    "none": (),
    "reactive": ("contact_point",),
    "koko": STRUCTURE_NAMES,
}


# ----------------------------------------------------------------------------------------------
# Shocks
# ----------------------------------------------------------------------------------------------


class _Shock(_Section):
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


class ResourceCut(_Shock):
    kind: Literal["resource_cut"]
    unit: str = Field(description="Kind of the unit that loses capacity, e.g. 'integration'.")
    size: Share = Field(0.5, description="Share of the unit's capacity lost.")
    duration_days: int = Field(180, ge=1, le=36500, description="How long the cut lasts.")


Shock = Annotated[
    NewcomerInflux | ViolentIncident | Rumour | ContestedDecision | ResourceCut,
    Field(discriminator="kind"),
]
SHOCK_CLASSES: dict[str, type[BaseModel]] = {
    "newcomer_influx": NewcomerInflux,
    "violent_incident": ViolentIncident,
    "rumour": Rumour,
    "contested_decision": ContestedDecision,
    "resource_cut": ResourceCut,
}
SHOCK_KINDS = tuple(SHOCK_CLASSES)



class Scenario(_Section):
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
        return self

    def first_shock_day(self) -> int | None:
        return min((s.day for s in self.shocks), default=None)


def with_preset(scenario: Scenario, preset: str) -> Scenario:
    """The scenario under a structure setting.

    ``none`` (the entry unit alone, no structures), ``reactive`` (plus a contact point),
    ``koko`` (all six structures, every unit, trained staff), ``custom`` (the structures as
    the scenario file sets them), or a preset plus structures joined by ``+``, e.g.
    ``none+mediator_pool``. Each structure keeps the parameters the scenario gives it; the
    setting only switches structures on and off.
    """
    if preset == "custom":
        return scenario
    base, *extra = preset.split("+")
    unknown = [x for x in extra if x not in STRUCTURE_NAMES]
    if base not in PRESETS or unknown:
        allowed = ", ".join([*PRESETS, "custom"])
        raise ScenarioError(
            f"structure setting {preset!r}: allowed: {allowed}, optionally followed by "
            f"+structure with structures from {', '.join(STRUCTURE_NAMES)}"
        )
    data = scenario.model_dump()
    for name in STRUCTURE_NAMES:
        data["structures"][name]["enabled"] = name in PRESETS[base] or name in extra
    preset = base
    if preset == "koko":
        floor = scenario.structures.koko_trained_share
        for unit in data["administration"]["units"]:
            unit["trained_share"] = max(unit["trained_share"], floor)
    else:
        data["administration"]["units"] = data["administration"]["units"][:1]
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
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(top level)"


def _model_at(loc: tuple[Any, ...], root: type[BaseModel] | None = None) -> type[BaseModel] | None:
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


def _describe_allowed(err: dict[str, Any], root: type[BaseModel] | None = None) -> str:
    ctx = err.get("ctx") or {}
    kind = err["type"]
    bounds = {
        "greater_than_equal": ">= {ge}",
        "greater_than": "> {gt}",
        "less_than_equal": "<= {le}",
        "less_than": "< {lt}",
    }
    if kind in bounds:
        field_range = _range_of(err["loc"], root)
        return f"allowed: {field_range}" if field_range else "allowed: " + bounds[kind].format(**ctx)
    if kind == "literal_error":
        return f"allowed: {ctx.get('expected')}"
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


def _range_of(loc: tuple[Any, ...], root: type[BaseModel] | None = None) -> str | None:
    loc, shock_class = _shock_class(loc)
    model = shock_class if shock_class is not None and len(loc) == 3 else _model_at(loc, root)
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
    """One line per problem: the key, the value and what is allowed.

    ``root`` is the schema class validated (default :class:`Scenario`)."""
    lines = [f"{source}: invalid {'scenario' if root is None else root.__name__.lower()}"]
    for err in exc.errors():
        loc, shock_class = _shock_class(tuple(err["loc"]))
        where = _location(loc)
        if err["type"] == "union_tag_invalid":
            kind = (err.get("input") or {}).get("kind")
            lines.append(f"  {where}.kind = {kind!r}: allowed: {', '.join(SHOCK_KINDS)}")
        elif err["type"] == "union_tag_not_found":
            lines.append(f"  {where}: missing 'kind'; allowed: {', '.join(SHOCK_KINDS)}")
        elif err["type"] == "extra_forbidden":
            model = shock_class if shock_class is not None and len(loc) == 3 else _model_at(loc, root)
            allowed = sorted(model.model_fields) if model is not None else []
            hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            did_you_mean = f" (did you mean '{hint[0]}'?)" if hint else ""
            lines.append(
                f"  {where}: unknown key{did_you_mean}; allowed keys here: {', '.join(allowed)}"
            )
        elif err["type"] == "value_error":
            lines.append(f"  {err['msg'].removeprefix('Value error, ')}")
        else:
            value = err.get("input")
            lines.append(f"  {where} = {value!r}: {_describe_allowed(err, root)}")
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
    path = path.resolve()
    if path in seen:
        raise ScenarioError(f"{path}: 'base' files form a cycle: {' -> '.join(map(str, seen))}")
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such scenario file") from None
    except IsADirectoryError:
        raise ScenarioError(f"{path}: is a folder, not a scenario file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    base = data.pop("base", None)
    if base is None:
        return data
    if not isinstance(base, str):
        raise ScenarioError(f"{path}: base = {base!r}: allowed: a file name (string)")
    parent = _read_toml(path.parent / base, (*seen, path))
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
    """A new scenario with dotted keys replaced, e.g. ``{"town.residents": 500}``.

    Every override is validated like a file; unknown paths are errors naming the key.
    """
    data = scenario.model_dump()
    for dotted, value in overrides.items():
        node = data
        parts = dotted.split(".")
        for part in parts[:-1]:
            if not isinstance(node.get(part), dict):
                raise ScenarioError(f"{dotted}: unknown key '{part}'")
            node = node[part]
        if parts[-1] not in node:
            raise ScenarioError(f"{dotted}: unknown key '{parts[-1]}'")
        node[parts[-1]] = value
    return scenario_from_dict(data, "override")
