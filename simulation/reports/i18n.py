"""The one path for text Quartier shows people (reports, figures, the dashboard, the CLI).

Two kinds of text are localised, through two functions and nowhere else:

* fixed labels, kept in :data:`LABELS` and read with ``tr(key, lang)``;
* texts a scenario brings along, kept in the schema as pairs of fields ``<name>_en`` /
  ``<name>_de`` (a scenario's title, a group's name), read with
  ``localized(obj, "title", lang)``.

So no module writes ``x_de if lang == "de" else x_en`` itself, and adding a language means
adding it to :data:`LANGUAGES`, to every label and to the schema's text fields.

German here is written for workshop participants, not for programmers. Identifiers in code
stay English; only these labels are translated. ``tr(key, lang)`` raises ``KeyError`` for an
unknown key, so a missing translation fails loudly in the tests rather than showing a raw key.
"""

from __future__ import annotations

__all__ = [
    "LABELS",
    "LANGUAGES",
    "DEFAULT_LANGUAGE",
    "tr",
    "number",
    "localized",
    "other_language",
    "structure_label",
    "shock_label",
]

LANGUAGES = ("en", "de")
#: Language of the files the CLI writes (``run``, ``compare``, ``analyze``) unless ``--lang``
#: says otherwise. The dashboard starts in German instead: it is used in German workshops.
DEFAULT_LANGUAGE = "en"

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
    "esteban_ray": {"en": "Polarization", "de": "Polarisierung"},
    "bimodality": {"en": "Bimodality coefficient", "de": "Zweigipfligkeit der Meinungen"},
    "trust_mean": {"en": "Trust in the administration", "de": "Vertrauen in die Verwaltung"},
    "incidents_week": {"en": "Incidents per week (7-day average)", "de": "Vorfälle pro Woche (Mittel über 7 Tage)"},
    "feuds_per_1000": {"en": "Feuds per 1,000 residents (Glasl stage 4+)", "de": "Verhärtete Konflikte je 1.000 Einw. (Glasl-Stufe 4+)"},
    "group_distance": {"en": "Distance between the groups' views", "de": "Abstand der Meinungen der Gruppen"},
    "peak_feuds": {"en": "Peak feuds per 1,000 residents", "de": "Höchststand verhärteter Konflikte je 1.000 Einw."},
    "baseline_feuds": {"en": "Feuds per 1,000 before the shock", "de": "Verhärtete Konflikte je 1.000 vor dem Ereignis"},
    "polarization_after": {"en": "Polarization after the shock (mean)", "de": "Polarisierung nach dem Ereignis (Mittel)"},
    "polarization_rise": {"en": "Rise in polarization after the shock", "de": "Anstieg der Polarisierung nach dem Ereignis"},
    "group_distance_rise": {"en": "Rise in the distance between groups", "de": "Anstieg des Abstands zwischen den Gruppen"},
    "analysis.ablation": {"en": "Does each structure matter?", "de": "Wirkt jede Struktur?"},
    "analysis.ablation_text": {
        "en": "Each structure alone against no structures, and the full system without it against the full system: mean difference over the replications (same towns) with its 95 % confidence interval; bold where the interval excludes 0.",
        "de": "Jede Struktur allein gegen keine Struktur, und das ganze System ohne sie gegen das ganze System: mittlerer Unterschied über die Wiederholungen (dieselben Städte) mit 95-%-Konfidenzintervall; fett, wo das Intervall die 0 nicht enthält.",
    },
    "ablation.alone": {"en": "alone vs none", "de": "allein gegen keine"},
    "ablation.left_out": {"en": "all without it vs all", "de": "alle ohne sie gegen alle"},
    "ablation.nothing": {"en": "no clear difference", "de": "kein deutlicher Unterschied"},
    "trained_share": {"en": "Share of staff trained in conflict management", "de": "Anteil im Konfliktmanagement geschulter Mitarbeitender"},
    # the event log (simulation/events.py): one sentence per kind; '.one' for a count of one
    "event.shock": {"en": '{detail}', "de": '{detail}'},
    "event.change": {"en": 'settings changed: {detail}', "de": 'Einstellungen geändert: {detail}'},
    "event.training": {"en": 'training finished: {value} staff', "de": 'Fortbildung abgeschlossen: {value} Beschäftigte'},
    "event.incident_cluster": {"en": '{value} incidents in one day', "de": '{value} Vorfälle an einem Tag'},
    "event.high_stage": {"en": '{value} conflicts reach Glasl stage 7 (mutual damage)', "de": '{value} Konflikte erreichen Glasl-Stufe 7 (begrenzte Vernichtungsschläge)'},
    "event.mediation_settled": {"en": '{value} mediations settled', "de": '{value} Mediationen erfolgreich'},
    "event.mediation_failed": {"en": '{value} mediations failed', "de": '{value} Mediationen gescheitert'},
    "event.crisis_team": {"en": 'crisis team convened', "de": 'Krisenstab tritt zusammen'},
    "event.alert": {"en": 'early warning: district on alert', "de": 'Früherkennung: Stadtteil in Alarmbereitschaft'},
    "event.advisers_arrive": {"en": '{value} external conflict advisers start', "de": '{value} externe Konfliktberater:innen beginnen'},
    "event.advisers_leave": {"en": 'external conflict advisers leave', "de": 'externe Konfliktberater:innen gehen'},
    "event.structure_ready": {"en": '{detail} at full strength', "de": '{detail} voll aufgebaut'},
    "event.training.one": {"en": 'training finished: 1 staff member', "de": 'Fortbildung abgeschlossen: 1 Beschäftigte:r'},
    "event.high_stage.one": {"en": 'a conflict reaches Glasl stage 7 (mutual damage)', "de": 'ein Konflikt erreicht Glasl-Stufe 7 (begrenzte Vernichtungsschläge)'},
    "event.mediation_settled.one": {"en": 'a mediation settled', "de": 'eine Mediation erfolgreich'},
    "event.mediation_failed.one": {"en": 'a mediation failed', "de": 'eine Mediation gescheitert'},
    "event.advisers_arrive.one": {"en": 'an external conflict adviser starts', "de": 'externe Konfliktberatung beginnt (1 Person)'},
    "change_mark": {"en": "settings changed", "de": "Einstellungen geändert"},
    "buildup.title": {"en": "Building the system over time", "de": "Das System über die Zeit aufbauen"},
    "buildup.intro": {
        "en": "Each path ran with the same {n} towns (same seeds). Top: feuds per 1,000 residents (mean, 95 % band). Below, on the same days: the share of trained staff, how far the structures are built (1 = full strength) and when external advisers work for the town. The table gives each crisis episode's feud-days per 1,000 residents with the paired difference to “{first}” and to “{last}” (the upper bound); bold where the interval excludes 0.",
        "de": "Jeder Weg lief mit denselben {n} Städten (gleiche Zufallszahlen). Oben: verhärtete Konflikte je 1.000 Einw. (Mittel, 95-%-Band). Darunter, auf denselben Tagen: der Anteil geschulter Mitarbeitender, wie weit die Strukturen aufgebaut sind (1 = voll) und wann externe Konfliktberatung für die Stadt arbeitet. Die Tabelle nennt für jede Krisenphase die Konflikttage je 1.000 Einw. mit dem paarweisen Unterschied zu „{first}“ und zu „{last}“ (der Obergrenze); fett, wo der Bereich die 0 nicht enthält.",
    },
    "buildup.trained": {"en": "trained staff", "de": "geschultes Personal"},
    "buildup.strength": {"en": "structures built", "de": "Aufbaustand"},
    "buildup.advisers": {"en": "advisers", "de": "Beratung"},
    "buildup.episode": {"en": "Feud-days per 1,000, crisis {k} (days {start}–{end})", "de": "Konflikttage je 1.000, Krise {k} (Tage {start}–{end})"},
    "buildup.vs_first": {"en": "vs first", "de": "ggü. erstem"},
    "buildup.vs_last": {"en": "vs upper bound", "de": "ggü. Obergrenze"},
    "buildup.costs_note": {
        "en": "Costs: staff hours at {hour} € an hour (administration.staff_hour_cost_eur) plus adviser days at {day} € a day (advisers.cost_per_day_eur); both are settings without a source — put in your town's own figures.",
        "de": "Kosten: Arbeitsstunden zu {hour} € je Stunde (administration.staff_hour_cost_eur) und Beratungstage zu {day} € je Tag (advisers.cost_per_day_eur); beide Werte sind ohne Quelle gesetzt — tragen Sie die Zahlen Ihrer Stadt ein.",
    },
    "structure_strength": {"en": "Structures built up (mean, 1 = full strength)", "de": "Aufbaustand der Strukturen (Mittel, 1 = voll)"},
    "adviser_days": {"en": "Days of external conflict advisers", "de": "Tage externer Konfliktberatung"},
    "cost_eur": {"en": "Cost (staff hours and advisers, euros)", "de": "Kosten (Arbeitsstunden und Beratung, Euro)"},
    "adviser_cost_eur": {"en": "Cost of external advisers (euros)", "de": "Kosten externer Beratung (Euro)"},
    "final_trained_share": {"en": "Share of staff trained at the end", "de": "Anteil geschulter Mitarbeitender am Ende"},
    "days_to_full_strength": {"en": "Days until the structures are fully built", "de": "Tage bis zum vollen Aufbau der Strukturen"},
    "cases_lost": {"en": "Cases lost between units", "de": "Zwischen Ämtern verlorene Fälle"},
    "interventions": {"en": "Interventions in feuds (stage 7+)", "de": "Eingriffe in Konflikte (Stufe 7+)"},
    "crisis_days": {"en": "Days with the crisis team active", "de": "Tage mit aktivem Krisenstab"},
    "alarm_false_rate": {"en": "Early warning: share of false alarms", "de": "Früherkennung: Anteil Fehlalarme"},
    "alarm_lead_days": {"en": "Early warning: days from alarm to peak", "de": "Früherkennung: Tage von Alarm bis Höchststand"},
    "peak_escalation": {"en": "Peak escalation index (%)", "de": "Höchster Eskalationsindex (%)"},
    "peak_day": {"en": "Day of the peak", "de": "Tag des Höchststands"},
    "days_to_deescalation": {"en": "Days to de-escalation", "de": "Tage bis zur Beruhigung"},
    "excess_burden": {"en": "Excess feud-days per 1,000 residents", "de": "Zusätzliche Konflikttage je 1.000 Einw."},
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
    # one run's summary figure (summary.png, ``quartier run``)
    "run.escalation": {"en": "Escalation", "de": "Eskalation"},
    "run.polarization": {"en": "Polarization", "de": "Polarisierung"},
    "run.esteban_ray": {"en": "Esteban–Ray", "de": "Esteban–Ray"},
    "run.bimodality": {"en": "bimodality coefficient", "de": "Bimodalitätskoeffizient"},
    "run.group_distance": {"en": "distance of group means", "de": "Abstand der Gruppenmittel"},
    "run.trust_grievance": {"en": "Trust and grievance by group", "de": "Vertrauen und Unmut nach Gruppe"},
    "run.trust_of": {"en": "trust: {group}", "de": "Vertrauen: {group}"},
    "run.grievance_of": {"en": "grievance: {group}", "de": "Unmut: {group}"},
    "run.incidents_cases": {"en": "Incidents and cases", "de": "Vorfälle und Fälle"},
    "run.incidents_7d": {"en": "incidents, last 7 days", "de": "Vorfälle, letzte 7 Tage"},
    "run.reported_7d": {"en": "reported, last 7 days", "de": "gemeldet, letzte 7 Tage"},
    "run.backlog": {"en": "case backlog", "de": "Fälle in Warteschlange"},
    # sweep analysis (``quartier analyze``)
    "analysis.title": {"en": "Sweep analysis", "de": "Auswertung der Versuchsreihe"},
    "analysis.summary": {
        "en": "{design} design, {points} points x {replications} replications, {runs} runs analysed",
        "de": "Versuchsplan {design}, {points} Punkte x {replications} Wiederholungen, {runs} Durchläufe ausgewertet",
    },
    "analysis.pareto_count": {"en": "Pareto front: {k} of {n} points", "de": "Pareto-Front: {k} von {n} Punkten"},
    "analysis.effects": {"en": "Effects of each parameter", "de": "Wirkung der einzelnen Parameter"},
    "analysis.effects_text": {
        "en": "Mean over the runs at each value with its 95 % confidence interval; with several parameters "
        "varied, averaged over the others.",
        "de": "Mittelwert der Durchläufe bei jedem Wert mit 95-%-Vertrauensbereich; werden mehrere Parameter "
        "verändert, ist über die anderen gemittelt.",
    },
    "analysis.sensitivity": {"en": "Sensitivity", "de": "Empfindlichkeit"},
    "analysis.sensitivity_text": {
        "en": "Sobol indices: the share of the outcome's variance due to a parameter alone (S1) or with its "
        "interactions (ST); near 0 means it does not matter. Morris μ*: the mean absolute change of the "
        "outcome when the parameter moves one grid step. Intervals are 95 % bootstrap intervals.",
        "de": "Sobol-Indizes: der Anteil der Streuung des Ergebnisses, der auf einen Parameter allein (S1) oder "
        "samt seinen Wechselwirkungen (ST) zurückgeht; nahe 0 heißt: er spielt keine Rolle. Morris μ*: die "
        "mittlere absolute Änderung des Ergebnisses, wenn der Parameter eine Rasterstufe weiterrückt. "
        "Bereiche sind 95-%-Bootstrap-Bereiche.",
    },
    "analysis.sensitivity_of": {"en": "Sensitivity: {figure}", "de": "Empfindlichkeit: {figure}"},
    "analysis.sobol_total": {"en": "total (ST)", "de": "gesamt (ST)"},
    "analysis.sobol_first": {"en": "first order (S1)", "de": "erster Ordnung (S1)"},
    "analysis.sobol_index": {"en": "Sobol index", "de": "Sobol-Index"},
    "analysis.morris_axis": {
        "en": "Morris μ* (mean absolute elementary effect)",
        "de": "Morris μ* (mittlerer absoluter Elementareffekt)",
    },
    "analysis.cost_effectiveness": {"en": "Cost-effectiveness", "de": "Aufwand und Wirkung"},
    "analysis.cost_effectiveness_text": {
        "en": "Staff hours against the escalation burden avoided, run by run against the reference runs with "
        "the same seeds. Green: the Pareto front.",
        "de": "Arbeitsstunden gegen die vermiedene Eskalationsbelastung, Durchlauf für Durchlauf verglichen mit "
        "den Referenzläufen mit denselben Zufallszahlen. Grün: die Pareto-Front.",
    },
    "analysis.cost_effectiveness_of": {
        "en": "Cost-effectiveness (reference: {reference})",
        "de": "Aufwand und Wirkung (Referenz: {reference})",
    },
    "analysis.design_point": {"en": "design point (95 % CI)", "de": "Versuchspunkt (95-%-Bereich)"},
    "analysis.pareto_front": {"en": "Pareto front", "de": "Pareto-Front"},
    "analysis.hours_axis": {"en": "Staff hours over the run", "de": "Arbeitsstunden im ganzen Zeitraum"},
    "analysis.avoided_axis": {
        "en": "Escalation burden avoided vs. reference",
        "de": "Vermiedene Eskalationsbelastung gegenüber der Referenz",
    },
    "analysis.parameter": {"en": "parameter", "de": "Parameter"},
    "analysis.point": {"en": "design point", "de": "Versuchspunkt"},
    "analysis.burden_avoided": {"en": "burden avoided", "de": "vermiedene Belastung"},
    "analysis.ci_low": {"en": "95 % CI from", "de": "95-%-Bereich von"},
    "analysis.ci_high": {"en": "to", "de": "bis"},
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
    # the budget game (simulation/dashboard/game.py, game_page.py)
    "game_title": {"en": "Budget game", "de": "Budgetspiel"},
    "game_open_room": {"en": "Open a room (trainer)", "de": "Raum eröffnen (Trainer:in)"},
    "game_join_room": {"en": "Join a room (team)", "de": "Einem Raum beitreten (Team)"},
    "game_budget": {"en": "Budget: staff hours per month", "de": "Budget: Personalstunden pro Monat"},
    "game_open": {"en": "Open the room", "de": "Raum eröffnen"},
    "game_room_code": {"en": "Room code", "de": "Raumcode"},
    "game_team_name": {"en": "Team name", "de": "Teamname"},
    "game_join": {"en": "Join", "de": "Beitreten"},
    "game_room_opened": {"en": "Room {code} is open. Teams open this page's address with ?room={code} at the end and type their team name.",
                         "de": "Raum {code} ist offen. Die Teams öffnen die Adresse dieser Seite mit ?room={code} am Ende und geben ihren Teamnamen ein."},
    "game_trainer_link": {"en": "Your controls, should this page reload: ?trainer={code}&key={trainer_key} · the board alone (projector): ?board={code}",
                          "de": "Ihre Steuerung, falls die Seite neu lädt: ?trainer={code}&key={trainer_key} · nur die Tafel (Beamer): ?board={code}"},
    "game_controls_link": {"en": "Links (keep the first off the projector)", "de": "Links (den ersten nicht über den Beamer zeigen)"},
    "game_week": {"en": "+1 week", "de": "+1 Woche"},
    "game_month": {"en": "+1 month (30 days)", "de": "+1 Monat (30 Tage)"},
    "game_to_end": {"en": "To the end of the year", "de": "Bis zum Jahresende"},
    "game_teams": {"en": "Teams in the room: {names}", "de": "Teams im Raum: {names}"},
    "game_no_teams": {"en": "No team has joined yet.", "de": "Noch ist kein Team beigetreten."},
    "game_hours_spent": {"en": "Staff hours spent", "de": "Geleistete Personalstunden"},
    "game_planned": {"en": "{hours} of {budget} staff hours per month planned", "de": "{hours} von {budget} Personalstunden pro Monat verplant"},
    "game_choose": {"en": "Your structures and their sizes", "de": "Ihre Strukturen und ihre Größe"},
    "game_take_choice": {"en": "Take this choice", "de": "Diese Wahl übernehmen"},
    "game_choice_taken": {"en": "Your choice is set: {hours} staff hours per month planned.", "de": "Ihre Wahl steht: {hours} Personalstunden pro Monat verplant."},
    "game_waiting": {"en": "Waiting for the trainer to start the year.", "de": "Warten, bis die Trainerin oder der Trainer das Jahr startet."},
    "game_ranking": {"en": "Ranking", "de": "Rangfolge"},
    "game_col_rank": {"en": "Rank", "de": "Platz"},
    "game_col_team": {"en": "Team", "de": "Team"},
    "game_col_feud_days": {"en": "Feud-days per 1,000", "de": "Konflikttage je 1.000"},
    "game_col_difference": {"en": "Difference to no structures", "de": "Unterschied zu ohne Strukturen"},
    "game_col_incidents": {"en": "Incidents", "de": "Vorfälle"},
    "game_col_incidents_difference": {"en": "Incidents, difference", "de": "Vorfälle, Unterschied"},
    "game_ranking_note": {"en": "Lower is better. Feud-days: hardened conflicts per 1,000 residents, added up over the days played. The difference is to the same town with the same seed and the same shocks but no structures; it is one town, so part of it is chance.",
                          "de": "Weniger ist besser. Konflikttage: verhärtete Konflikte je 1.000 Einwohner:innen, über die gespielten Tage aufsummiert. Der Unterschied ist der zur selben Stadt mit demselben Zufall und denselben Schocks, aber ohne Strukturen; es ist eine Stadt, ein Teil davon ist also Zufall."},
    "game_year_over": {"en": "The year is over: the ranking is final.", "de": "Das Jahr ist vorbei: Die Rangfolge steht."},
    "game_close_room": {"en": "Close the room", "de": "Raum schließen"},
    "game_leave": {"en": "Leave the room", "de": "Raum verlassen"},
    "game_room_closed": {"en": "This room is closed.", "de": "Dieser Raum ist geschlossen."},
    "game_bad_structure": {"en": "Structure {value}: allowed: one of {allowed}", "de": "Struktur {value}: erlaubt ist eine von {allowed}"},
    "game_bad_size": {"en": "{field} = {value}: allowed: a whole number from {low} to {high}",
                      "de": "{field} = {value}: erlaubt ist eine ganze Zahl von {low} bis {high}"},
    "game_over_budget": {"en": "Staff hours per month = {value} ({parts}): allowed: at most {budget}, the room's budget. Choose fewer or smaller structures.",
                         "de": "Personalstunden pro Monat = {value} ({parts}): erlaubt sind höchstens {budget}, das Budget des Raums. Wählen Sie weniger oder kleinere Strukturen."},
    "game_bad_team_name": {"en": "Team name {value}: allowed: 1 to 30 letters, digits, spaces, '-', '_' or '.', starting with a letter or digit (no markup)",
                           "de": "Teamname {value}: erlaubt sind 1 bis 30 Buchstaben, Ziffern, Leerzeichen, „-“, „_“ oder „.“, am Anfang ein Buchstabe oder eine Ziffer (kein Markup)"},
    "game_join_started": {"en": "Room {code} is already on day {day}: allowed: joining before the year starts (a team already in the room comes back with its name)",
                          "de": "Raum {code} ist schon bei Tag {day}: beitreten geht nur vor dem Start des Jahres (ein Team, das schon im Raum ist, kommt mit seinem Namen zurück)"},
    "game_room_full": {"en": "Room {code} has {count} teams: allowed: at most {most}", "de": "Raum {code} hat {count} Teams: erlaubt sind höchstens {most}"},
    "game_unknown_team": {"en": "Team {value} is not in room {code}: allowed: a team that joined", "de": "Team {value} ist nicht im Raum {code}: erlaubt ist ein Team, das beigetreten ist"},
    "game_choice_started": {"en": "The year is on day {day}: allowed: choosing before the year starts; your choice is fixed now",
                            "de": "Das Jahr läuft (Tag {day}): gewählt wird vor dem Start; Ihre Wahl steht jetzt fest"},
    "game_bad_days": {"en": "Days {value}: allowed: a whole number from 1 to {most}", "de": "Tage {value}: erlaubt ist eine ganze Zahl von 1 bis {most}"},
    "game_bad_shock": {"en": "Shock {value}: allowed: one of {allowed}", "de": "Schock {value}: erlaubt ist einer von {allowed}"},
    "game_bad_district": {"en": "District {value}: allowed: one of {allowed}", "de": "Stadtteil {value}: erlaubt ist einer von {allowed}"},
    "game_bad_budget": {"en": "Budget {value} staff hours per month: allowed: a number from 0 to {most}",
                        "de": "Budget {value} Personalstunden pro Monat: erlaubt ist eine Zahl von 0 bis {most}"},
    "game_bad_seed": {"en": "Seed {value}: allowed: a whole number from 0 to 4294967295", "de": "Zufallszahl {value}: erlaubt ist eine ganze Zahl von 0 bis 4294967295"},
    "game_bad_scenario": {"en": "Scenario {value}: allowed: a scenario of the library", "de": "Szenario {value}: erlaubt ist ein Szenario der Bibliothek"},
    "game_too_many_rooms": {"en": "This server has {most} rooms open: allowed: at most {most}; close a room first",
                            "de": "Auf diesem Server sind {most} Räume offen: mehr sind nicht erlaubt; bitte zuerst einen Raum schließen"},
    "game_unknown_room": {"en": "Room {value}: no such room is open on this server; allowed: the code the trainer shows (4 letters)",
                          "de": "Raum {value}: Ein solcher Raum ist auf diesem Server nicht offen; erlaubt ist der Code, den die Trainerin oder der Trainer zeigt (4 Buchstaben)"},
    "game_wrong_key": {"en": "Room {code}: this key does not open the trainer's controls; allowed: the key of the trainer's link",
                       "de": "Raum {code}: Dieser Schlüssel öffnet die Steuerung nicht; erlaubt ist der Schlüssel aus dem Link der Trainerin oder des Trainers"},
    # dashboard, round two: plain curve names for a room, notices, framework messages
    "dash_feuds": {"en": "Hardened conflicts per 1,000 residents", "de": "Verhärtete Konflikte je 1.000 Einwohner:innen"},
    "dash_polarization": {"en": "How divided opinions are", "de": "Wie gespalten die Meinungen sind"},
    "dash_trust": {"en": "Trust in the administration", "de": "Vertrauen in die Verwaltung"},
    "dash_incidents_week": {"en": "Incidents per week", "de": "Vorfälle pro Woche"},
    "session_plan": {"en": "Workshop plan (90 minutes)", "de": "Ablauf für 90 Minuten"},
    "save_session": {"en": "Save this session (scenario file)", "de": "Sitzung speichern (Szenario-Datei)"},
    "load_session": {"en": "Open a saved session: drop the file here", "de": "Gespeicherte Sitzung öffnen: Datei hierher ziehen"},
    "load_failed": {"en": "This file cannot be opened", "de": "Diese Datei lässt sich nicht öffnen"},
    "period_over": {"en": "The scenario's period of {days} days is over; Step and +1 week go on beyond it.",
                    "de": "Der Zeitraum des Szenarios ({days} Tage) ist vorbei; Schritt und +1 Woche rechnen darüber hinaus weiter."},
    # the event log and the story of one run (issue 13, points 4 and 6)
    "event_line": {"en": "Day {day} – {text}", "de": "Tag {day} – {text}"},
    "events_left_out": {"en": "… and {n} more events (everyday escalation and mediations)",
                        "de": "… und {n} weitere Ereignisse (alltägliche Eskalation und Vermittlungen)"},
    "event_log": {"en": "What happened", "de": "Was geschehen ist"},
    "event_log_empty": {"en": "Nothing notable yet.", "de": "Noch nichts Besonderes."},
    "event_log_of": {"en": "Log of", "de": "Verlauf von"},
    "event_log_hint": {"en": "Click a line to mark its day on the curves.",
                       "de": "Eine Zeile anklicken markiert ihren Tag in den Kurven."},
    "event_marks": {"en": "Short ticks at the foot of the curves: crisis team (dark red), early-warning alert (orange), "
                          "settings changed (blue); dotted lines: shocks.",
                    "de": "Kurze Striche unten in den Kurven: Krisenstab (dunkelrot), Alarm der Früherkennung (orange), "
                          "geänderte Einstellungen (blau); gepunktete Linien: Ereignisse."},
    "story_heading": {"en": "The story of one run", "de": "Die Geschichte eines Durchlaufs"},
    "story_intro": {
        "en": "What happened in the first of the {n} towns (seed {seed}) under each setting: the same town, "
        "so the lines differ only by the structures. The full logs are in story.csv.",
        "de": "Was in der ersten der {n} Städte (Startwert {seed}) bei jeder Einstellung geschah: dieselbe Stadt, "
        "die Zeilen unterscheiden sich also nur durch die Strukturen. Alle Zeilen stehen in story.csv.",
    },
    "spread_band": {
        "en": "Light band with dotted edges: where single towns lie, on each day the middle 80 % of the {n} runs "
        "(from the 10 % to the 90 % quantile).",
        "de": "Helles Band mit gepunkteten Rändern: wo einzelne Städte liegen, an jedem Tag die mittleren 80 % der {n} "
        "Durchläufe (vom 10-%- bis zum 90-%-Quantil).",
    },
    "spread_for_trainers": {
        "en": "For trainers: the dark band says how sure we are about the average town; the light band says how "
        "differently one single town can turn out. A town in the workshop may land anywhere in the light band, "
        "even when the averages of two settings clearly differ.",
        "de": "Für Trainer:innen: Das dunkle Band zeigt, wie sicher wir uns über die durchschnittliche Stadt sind; "
        "das helle Band, wie verschieden eine einzelne Stadt ausgehen kann. Eine Stadt im Workshop kann überall im "
        "hellen Band landen, auch wenn sich die Mittelwerte zweier Einstellungen deutlich unterscheiden.",
    },
    "spread_legend": {"en": "10–90 % of single towns", "de": "10–90 % der einzelnen Städte"},
    # the handout of a dashboard session
    "handout": {"en": "Handout (PNG and PDF)", "de": "Handout (PNG und PDF)"},
    "handout_png": {"en": "Handout as PNG", "de": "Handout als PNG"},
    "handout_pdf": {"en": "Handout as PDF", "de": "Handout als PDF"},
    "handout_title": {"en": "Workshop session", "de": "Workshop-Sitzung"},
    "handout_structures": {"en": "Structures switched on", "de": "Eingeschaltete Strukturen"},
    "handout_no_structures": {"en": "none", "de": "keine"},
    "handout_settings": {"en": "Settings", "de": "Einstellungen"},
    "handout_figures": {"en": "Key figures on day {day}", "de": "Kennzahlen an Tag {day}"},
    "handout_log": {"en": "What happened (most important lines)", "de": "Was geschehen ist (wichtigste Zeilen)"},
    "handout_footer": {
        "en": "Quartier {version} · seed {seed} · a model shows how mechanisms work together, not what will happen in a real town.",
        "de": "Quartier {version} · Startwert {seed} · Ein Modell zeigt, wie Mechanismen zusammenwirken, nicht, was in einer echten Stadt geschehen wird.",
    },
}


def _check(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r} is not available; allowed: {', '.join(LANGUAGES)}")
    return lang


def tr(key: str, lang: str, **values) -> str:
    """The label ``key`` in ``lang`` ('en' or 'de'), with ``{placeholders}`` filled in."""
    text = LABELS[key][_check(lang)]
    return text.format(**values) if values else text


def number(value: float, lang: str, digits: int = 0) -> str:
    """A number as ``lang`` writes it (German: decimal comma, thousands dot); "–" for NaN.

    >>> number(1234.5, "de", 1), number(1234.5, "en", 1), number(float("nan"), "de")
    ('1.234,5', '1,234.5', '–')
    """
    if value != value or value in (float("inf"), float("-inf")):
        return "–"
    text = f"{value:,.{digits}f}"
    return text.translate(str.maketrans(",.", ".,")) if _check(lang) == "de" else text


def localized(obj: object, field: str, lang: str) -> str:
    """A scenario text in ``lang``: ``obj.<field>_<lang>``, e.g. ``localized(meta, "title", "de")``
    is ``meta.title_de``. Works for any object with one such field per language (the schema's
    ``Meta``, ``Group``, ``Unit``; Mesa agents that copy them)."""
    return getattr(obj, f"{field}_{_check(lang)}")


def other_language(lang: str) -> str:
    """The language a language switch offers from ``lang`` (the next one in :data:`LANGUAGES`)."""
    return LANGUAGES[(LANGUAGES.index(_check(lang)) + 1) % len(LANGUAGES)]


def structure_label(name: str, lang: str) -> str:
    """A preset or combination such as 'none+mediator_pool' or 'koko-coordination', in words."""
    import re

    parts = re.split(r"([+-])", name)
    words = [tr(parts[0], lang)]
    for sign, part in zip(parts[1::2], parts[2::2]):
        words.append(f"{'+' if sign == '+' else '−'} {tr(part, lang)}")
    return " ".join(words)


def shock_label(kind: str, lang: str) -> str:
    """A shock kind (``violent_incident``) in words."""
    return tr(kind, lang)
