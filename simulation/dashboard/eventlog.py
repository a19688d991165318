"""The page's event log: what happened, in words, newest first (issue 13, point 4).

One small Vue widget per page. The server sends it only the lines it has not shown yet (a
``chunk``: where they start and the lines), so a step costs the day's news, not the whole
log; the browser keeps the lines and asks for all of them again (``resync``) when it finds a
gap, e.g. after reconnecting. With two towns side by side the widget has a selector, and the
log, the marks on the curves and a highlighted day follow the town chosen there. Clicking a
line highlights its day on the curves (:meth:`.figures.CurvesFigure.highlight`).
"""

from __future__ import annotations

import itertools
import threading
from typing import Callable

import ipyvue
import traitlets

from ..reports.i18n import tr
from .session import Frame, log_lines

__all__ = ["EventLogWidget", "EventLogView"]


class EventLogWidget(ipyvue.VueTemplate):
    """The log as the browser shows it; the lines live in the browser (``items``)."""

    template = traitlets.Unicode("""
<template>
  <div class="q-event-log" style="font-size: 15px; max-width: 60em">
    <div style="display: flex; align-items: center; gap: 1em; flex-wrap: wrap">
      <b style="font-size: 17px">{{ title }}</b>
      <select v-if="towns.length > 1" v-model.number="selected" class="q-event-log-town"
              style="border: 1px solid #999; border-radius: 4px; padding: 2px 6px; font-size: 15px">
        <option v-for="(town, i) in towns" :key="i" :value="i">{{ town }}</option>
      </select>
      <span style="color: #555; font-size: 13px">{{ hint }}</span>
    </div>
    <div class="q-event-log-lines" style="max-height: 15em; overflow-y: auto; margin-top: 4px;
         border: 1px solid #ddd; border-radius: 4px; padding: 2px 6px">
      <div v-if="!items.length" class="q-event-log-empty" style="color: #555">{{ empty }}</div>
      <div v-for="line in shown" :key="line.n" class="q-event-line" :data-day="line.day" :data-kind="line.kind"
           @click="pick(line.day)" :style="style(line)">{{ line.text }}</div>
    </div>
  </div>
</template>
<script>
module.exports = {
  data() { return { items: [] }; },
  computed: {
    shown() { return this.items.slice().reverse(); }
  },
  watch: {
    chunk(c) { this.take(c); }
  },
  mounted() {
    if (this.chunk && this.chunk.lines) this.take(this.chunk);
  },
  methods: {
    take(c) {
      if (!c || !c.lines) return;
      if (c.start > this.items.length) { this.resync(0); return; }  // a gap: ask for everything
      const lines = c.lines.map((line, k) => Object.assign({n: c.start + k}, line));
      this.items = this.items.slice(0, c.start).concat(lines);
    },
    style(line) {
      const strong = ['shock', 'crisis_team', 'alert', 'change'].includes(line.kind);
      return {cursor: 'pointer', padding: '1px 2px', fontWeight: strong ? 'bold' : 'normal',
              background: line.day === this.picked ? '#ffe9a8' : 'transparent'};
    }
  }
}
</script>""").tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    hint = traitlets.Unicode("").tag(sync=True)
    empty = traitlets.Unicode("").tag(sync=True)
    towns = traitlets.List(traitlets.Unicode()).tag(sync=True)
    selected = traitlets.Int(0).tag(sync=True)
    chunk = traitlets.Dict().tag(sync=True)
    picked = traitlets.Int(-1).tag(sync=True)

    def __init__(self, on_pick: Callable[[int], None], on_resync: Callable[[], None], **kwargs) -> None:
        super().__init__(**kwargs)
        self.on_pick, self.on_resync = on_pick, on_resync

    def vue_pick(self, day) -> None:
        self.picked = int(day)
        self.on_pick(int(day))

    def vue_resync(self, _=None) -> None:
        self.on_resync()


_serial = itertools.count(1)


class EventLogView:
    """Keeps one :class:`EventLogWidget` in step with the frames: sends the selected town's
    new lines, and tells ``on_town(town_index, events)`` and ``on_pick(day)`` (the curves)
    when the marks or the highlighted day should change."""

    def __init__(self, frame: Frame, districts: list[str], labels: list[str], lang: str,
                 on_town: Callable, on_pick: Callable[[int], None]) -> None:
        self.districts, self.lang, self.on_town = districts, lang, on_town
        self.lock = threading.Lock()
        self.frame, self.sent = frame, 0
        self.widget = EventLogWidget(
            on_pick=on_pick, on_resync=self.resync, title=tr("event_log", lang), hint=tr("event_log_hint", lang),
            empty=tr("event_log_empty", lang), towns=labels if len(labels) > 1 else [])
        self.widget.observe(lambda change: self.resync(), names="selected")
        self.update(frame)

    @property
    def town(self) -> int:
        return min(self.widget.selected, len(self.frame.towns) - 1)

    def update(self, frame: Frame, everything: bool = False) -> None:
        """Send the lines logged since the last frame (nothing when there are none), or with
        ``everything`` the whole log."""
        with self.lock:
            self.frame = frame
            events = frame.towns[self.town].events
            if everything or len(events) < self.sent:  # fewer: never within one set of towns
                self.sent = 0
            elif len(events) == self.sent and self.widget.chunk:
                return
            start, self.sent = self.sent, len(events)
            self.widget.chunk = {"start": start, "serial": next(_serial),
                                 "lines": log_lines(frame.towns[self.town], self.lang, self.districts, start)}
            self.on_town(self.town, events)

    def resync(self) -> None:
        """Send the whole log again (another town chosen, or the browser lost lines)."""
        self.update(self.frame, everything=True)
