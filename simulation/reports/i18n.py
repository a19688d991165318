"""The translation table for everything Quartier shows people (reports, dashboard).

German here is written for workshop participants, not for programmers. Identifiers in code
stay English; only these labels are translated. ``tr(key, lang)`` raises ``KeyError`` for an
unknown key, so a missing translation fails loudly in the tests rather than showing a raw key.
"""

from __future__ import annotations

__all__ = ["LABELS", "LANGUAGES", "tr", "structure_label", "shock_label"]

LANGUAGES = ("en", "de")

LABELS: dict[str, dict[str, str]] = {
    # structures and presets
    "none": {"en": "no structures", "de": "ohne Strukturen"},
    "reactive": {"en": "reactive (contact point)", "de": "reaktiv (Anlaufstelle)"},
    "koko": {"en": "KoKo (all six structures)", "de": "KoKo (alle sechs Strukturen)"},
    "custom": {"en": "as in the scenario file", "de": "wie in der Szenario-Datei"},
    "contact_point": {"en": "contact point", "de": "Konfliktanlaufstelle"},
    "early_warning": {"en": "early warning", "de": "Früherkennung"},
    "mediator_pool": {"en": "mediator pool", "de": "Mediationspool"},
    "round_tables": {"en": "round tables", "de": "runde Tische"},
    "coordination": {"en": "coordination between departments", "de": "Abstimmung zwischen den Ämtern"},
    "crisis_team": {"en": "crisis team", "de": "Krisenstab"},
    # shocks
    "newcomer_influx": {"en": "newcomers arrive", "de": "Zuzug"},
    "violent_incident": {"en": "violent incident", "de": "Gewaltvorfall"},
    "rumour": {"en": "rumour", "de": "Gerücht"},
    "contested_decision": {"en": "contested decision", "de": "umstrittene Entscheidung"},
    "resource_cut": {"en": "budget cut", "de": "Mittelkürzung"},
    # metrics
    "escalation_index": {"en": "Escalation index (% of maximum)", "de": "Eskalationsindex (% des Höchstwerts)"},
    "esteban_ray": {"en": "Polarization (Esteban–Ray)", "de": "Polarisierung (Esteban–Ray)"},
    "bimodality": {"en": "Bimodality coefficient", "de": "Zweigipfligkeit der Meinungen"},
    "trust_mean": {"en": "Trust in the administration", "de": "Vertrauen in die Verwaltung"},
    "incidents_week": {"en": "Incidents per week (7-day average)", "de": "Vorfälle pro Woche (Mittel über 7 Tage)"},
    "peak_escalation": {"en": "Peak escalation index (%)", "de": "Höchster Eskalationsindex (%)"},
    "peak_day": {"en": "Day of the peak", "de": "Tag des Höchststands"},
    "days_to_deescalation": {"en": "Days to de-escalation", "de": "Tage bis zur Beruhigung"},
    "excess_burden": {"en": "Excess burden", "de": "Zusätzliche Belastung"},
    "incidents": {"en": "Incidents", "de": "Vorfälle"},
    "staff_hours": {"en": "Staff hours", "de": "Arbeitsstunden"},
    "final_trust": {"en": "Trust at the end", "de": "Vertrauen am Ende"},
    # report texts
    "report_title": {"en": "Comparison of conflict-management structures", "de": "Vergleich von Strukturen des Konfliktmanagements"},
    "day": {"en": "day", "de": "Tag"},
    "structure": {"en": "Structure", "de": "Struktur"},
    "results": {"en": "Results", "de": "Ergebnisse"},
    "figure": {"en": "Figure", "de": "Kennzahl"},
    "difference_to": {"en": "Difference to", "de": "Unterschied zu"},
    "mean_band": {
        "en": "Lines: mean over {n} runs per structure; bands: 95 % confidence interval of the mean. Dashed lines: shocks.",
        "de": "Linien: Mittelwert aus {n} Durchläufen je Struktur; Bänder: 95-%-Vertrauensbereich des Mittelwerts. Gestrichelt: Ereignisse.",
    },
    "table_intro": {
        "en": "Mean over {n} runs with its 95 % confidence interval. Every structure ran with the same {n} towns (same seeds), so differences are paired.",
        "de": "Mittelwert aus {n} Durchläufen mit 95-%-Vertrauensbereich. Jede Struktur lief mit denselben {n} Städten (gleiche Zufallszahlen); Unterschiede sind daher paarweise berechnet.",
    },
    "diff_intro": {
        "en": "Difference to “{ref}”, run by run; an interval that does not contain 0 is a clear difference (shaded).",
        "de": "Unterschied zu „{ref}“, Durchlauf für Durchlauf; enthält der Bereich die 0 nicht, ist der Unterschied deutlich (hinterlegt).",
    },
    "recovered": {"en": "{k} of {n} runs calmed down", "de": "in {k} von {n} Durchläufen beruhigt"},
    "never_recovered": {"en": "no run calmed down within the period", "de": "in keinem Durchlauf im Zeitraum beruhigt"},
    "how_to_read": {"en": "How to read this", "de": "So lesen Sie den Bericht"},
    "how_to_read_text": {
        "en": "The escalation index is the mean Glasl stage of all relationships, as a percentage of the highest stage. "
        "The excess burden adds up, day by day from the first shock, how far escalation lies above its level before the shock: "
        "the smaller, the less the town suffered. Days to de-escalation count from the first shock until escalation is back "
        "within 10 % of the way from its earlier level to its peak and stays there for a week. "
        "This is a model: it shows how mechanisms work together, not what will happen in a real town.",
        "de": "Der Eskalationsindex ist die mittlere Glasl-Stufe aller Beziehungen, in Prozent der höchsten Stufe. "
        "Die zusätzliche Belastung zählt ab dem ersten Ereignis Tag für Tag zusammen, wie weit die Eskalation über ihrem "
        "Stand vor dem Ereignis liegt: je kleiner, desto weniger hat die Stadt gelitten. Die Tage bis zur Beruhigung zählen "
        "vom ersten Ereignis, bis die Eskalation wieder nahe am früheren Stand ist (höchstens 10 % des Wegs zum Höchststand) "
        "und eine Woche dort bleibt. Dies ist ein Modell: Es zeigt, wie Mechanismen zusammenwirken, nicht, was in einer "
        "echten Stadt geschehen wird.",
    },
    "settings": {"en": "Settings", "de": "Einstellungen"},
    "settings_text": {
        "en": "{residents} residents, {days} days, {n} runs per structure, seed {seed}, Quartier {version}.",
        "de": "{residents} Einwohner:innen, {days} Tage, {n} Durchläufe je Struktur, Startwert {seed}, Quartier {version}.",
    },
    "shocks_heading": {"en": "What happens", "de": "Was passiert"},
    "on_day": {"en": "day {day}", "de": "Tag {day}"},
    # dashboard
    "app_title": {"en": "Quartier – conflicts in the neighbourhood", "de": "Quartier – Konflikte im Stadtteil"},
    "language_button": {"en": "Deutsch", "de": "English"},
    "scenario": {"en": "Scenario", "de": "Szenario"},
    "structures_heading": {"en": "What the town has in place", "de": "Was die Stadt eingerichtet hat"},
    "parameters_heading": {"en": "Settings", "de": "Einstellungen"},
    "seed": {"en": "Town number (seed)", "de": "Stadt Nummer (Zufallsstartwert)"},
    "play": {"en": "Play", "de": "Abspielen"},
    "pause": {"en": "Pause", "de": "Anhalten"},
    "step": {"en": "Step", "de": "Schritt"},
    "week": {"en": "+1 week", "de": "+1 Woche"},
    "reset": {"en": "Start again", "de": "Neu beginnen"},
    "side_by_side": {"en": "Side by side", "de": "Nebeneinander"},
    "compare_with": {"en": "Compare with", "de": "Vergleichen mit"},
    "shocks_now": {"en": "Let something happen now", "de": "Jetzt passiert etwas"},
    "strength": {"en": "How strong", "de": "Wie stark"},
    "district": {"en": "District", "de": "Stadtteil"},
    "whole_town": {"en": "whole town", "de": "ganze Stadt"},
    "colour_by": {"en": "Colour residents by", "de": "Menschen einfärben nach"},
    "by_group": {"en": "group", "de": "Gruppe"},
    "by_tension": {"en": "tension", "de": "Anspannung"},
    "town_now": {"en": "The town today", "de": "Die Stadt heute"},
    "your_town": {"en": "with your settings", "de": "mit Ihren Einstellungen"},
    "tension_by_district": {"en": "Tension by district", "de": "Anspannung nach Stadtteil"},
    "tension": {"en": "tension", "de": "Anspannung"},
    "hostile_band_1": {"en": "hostile, stages 1–3", "de": "feindselig, Stufen 1–3"},
    "hostile_band_2": {"en": "hostile, stages 4–6", "de": "feindselig, Stufen 4–6"},
    "hostile_band_3": {"en": "hostile, stages 7–9", "de": "feindselig, Stufen 7–9"},
    "counter_day": {"en": "Day", "de": "Tag"},
    "counter_incidents": {"en": "Incidents so far", "de": "Vorfälle bisher"},
    "counter_reported": {"en": "Reported", "de": "Gemeldet"},
    "counter_cases": {"en": "Cases handled", "de": "Fälle bearbeitet"},
    "counter_backlog": {"en": "Cases waiting", "de": "Fälle in Warteschlange"},
    "counter_mediations": {"en": "Successful mediations", "de": "Erfolgreiche Vermittlungen"},
    "structures.mediator_pool.mediators": {"en": "Mediators", "de": "Konfliktvermittler:innen"},
    "structures.contact_point.report_boost": {"en": "Contact point: more reports", "de": "Anlaufstelle: mehr Meldungen"},
    "structures.early_warning.threshold_factor": {"en": "Early warning: alarm at x times the usual", "de": "Früherkennung: Alarm beim x-Fachen des Üblichen"},
    "structures.round_tables.interval_days": {"en": "Round table every ... days", "de": "Runder Tisch alle ... Tage"},
    "structures.crisis_team.active_days": {"en": "Crisis team stays active (days)", "de": "Krisenstab bleibt aktiv (Tage)"},
    "conflict.incident_probability": {"en": "How easily feuds turn into incidents", "de": "Wie leicht aus Streit Vorfälle werden"},
}


def tr(key: str, lang: str, **values) -> str:
    """The label ``key`` in ``lang`` ('en' or 'de'), with ``{placeholders}`` filled in."""
    text = LABELS[key][lang]
    return text.format(**values) if values else text


def structure_label(name: str, lang: str) -> str:
    """A preset or combination such as 'none+mediator_pool', in words."""
    parts = name.split("+")
    return " + ".join(tr(p, lang) for p in parts)


def shock_label(kind: str, lang: str) -> str:
    return tr(kind, lang)
