/** @odoo-module **/
/* Supervision of critical values (危急值监管): the figures of a period for
 * quality officers, the director and department heads, phone first. Every
 * figure, table cell and chart bar opens the alerts it counts, with the
 * domain the server declared for it (ihospital.critical.dashboard). */
import { Component, onMounted, onWillStart, onWillUnmount, useEffect, useRef, useState } from "@odoo/owl";
import { loadBundle } from "@web/core/assets";
import { browser } from "@web/core/browser/browser";
import { getColor } from "@web/core/colors/colors";
import { Domain } from "@web/core/domain";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { KeepLast } from "@web/core/utils/concurrency";
import { useService } from "@web/core/utils/hooks";
import { Layout } from "@web/search/layout";

const ALERT_MODEL = "ihospital.critical.alert";
const LIVE_FIGURES = ["open", "overdue"];
// the open and overdue alerts are refreshed while the dashboard is shown
const REFRESH_MS = 60000;

export class CriticalDashboard extends Component {
    static template = "ihospital_staff.CriticalDashboard";
    static components = { Layout };
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.keepLast = new KeepLast();
        this.state = useState({
            data: null,
            error: "",
            loading: true,
            period: "30d",
            dateFrom: "",
            dateTo: "",
            departmentId: false,
            source: false,
        });
        this.dayCanvas = useRef("dayCanvas");
        this.departmentCanvas = useRef("departmentCanvas");
        this.charts = [];

        onWillStart(async () => {
            await loadBundle("web.chartjs_lib");
            await this.load();
        });
        useEffect(
            () => {
                this.renderCharts();
                return () => this.destroyCharts();
            },
            () => [this.state.data]
        );
        onMounted(() => {
            this.interval = browser.setInterval(() => this.load(), REFRESH_MS);
        });
        onWillUnmount(() => browser.clearInterval(this.interval));
    }

    get display() {
        return { controlPanel: {} };
    }

    // ------------------------------------------------------------------ data
    async load() {
        const { dateFrom, dateTo, departmentId, source } = this.state;
        this.state.loading = true;
        try {
            const data = await this.keepLast.add(
                this.orm.call("ihospital.critical.dashboard", "get_data", [dateFrom || false, dateTo || false], {
                    department_id: departmentId || false,
                    source: source || false,
                })
            );
            this.state.data = data;
            this.state.dateFrom = data.date_from;
            this.state.dateTo = data.date_to;
            this.state.error = "";
        } catch (error) {
            // a bad custom period: say why, keep the last figures
            this.state.error = error.data?.message || error.message || String(error);
        } finally {
            this.state.loading = false;
        }
    }

    onPeriodChange(ev) {
        this.state.period = ev.target.value;
        const period = this.state.data.filters.periods.find((p) => p.key === this.state.period);
        if (period) {
            this.state.dateFrom = period.date_from;
            this.state.dateTo = period.date_to;
            this.load();
        }
    }

    onDateChange(which, ev) {
        this.state[which] = ev.target.value;
        if (this.state.dateFrom && this.state.dateTo) {
            this.load();
        }
    }

    onDepartmentChange(ev) {
        this.state.departmentId = parseInt(ev.target.value) || false;
        this.load();
    }

    onSourceChange(ev) {
        this.state.source = ev.target.value || false;
        this.load();
    }

    get exportUrl() {
        const params = new URLSearchParams({
            date_from: this.state.data.date_from,
            date_to: this.state.data.date_to,
        });
        if (this.state.data.department_id) {
            params.set("department_id", this.state.data.department_id);
        }
        if (this.state.data.source) {
            params.set("source", this.state.data.source);
        }
        return `/ihospital_staff/critical_dashboard/xlsx?${params}`;
    }

    // ------------------------------------------------------------------ drill-down
    openAlerts(figure, row = null, title = "") {
        const domains = this.state.data.domains;
        const base = LIVE_FIGURES.includes(figure) ? domains.live : domains.period;
        const domain = Domain.and([base, domains[figure], row ? row.domain : []]).toList();
        this.action.doAction({
            type: "ir.actions.act_window",
            name: [this.figureLabels[figure], title].filter(Boolean).join(" · "),
            res_model: ALERT_MODEL,
            views: [
                [false, "list"],
                [false, "kanban"],
                [false, "form"],
            ],
            domain,
            context: { create: false },
        });
    }

    get figureLabels() {
        return {
            count: _t("Critical values"),
            acknowledged: _t("Acknowledged"),
            ack_in_target: _t("Acknowledged within target"),
            ack_late: _t("Acknowledged late or not yet"),
            handled: _t("Handled"),
            escalated: _t("Escalated"),
            withdrawn: _t("Withdrawn"),
            open: _t("Open now"),
            overdue: _t("Overdue now"),
        };
    }

    // ------------------------------------------------------------------ formatting
    minutes(value) {
        return value === null || value === undefined ? "–" : value.toFixed(1);
    }

    rate(row) {
        return row.ack_in_target_rate === null ? "–" : `${row.ack_in_target_rate.toFixed(1)}%`;
    }

    // ------------------------------------------------------------------ charts
    destroyCharts() {
        for (const chart of this.charts) {
            chart.destroy();
        }
        this.charts = [];
    }

    renderCharts() {
        this.destroyCharts();
        const data = this.state.data;
        if (!data || !window.Chart) {
            return;
        }
        if (this.dayCanvas.el) {
            const days = data.by_day;
            this.charts.push(
                new window.Chart(this.dayCanvas.el, {
                    type: "bar",
                    data: {
                        labels: days.map((day) => day.date.slice(5)),
                        datasets: [
                            {
                                label: _t("Critical values"),
                                data: days.map((day) => day.count),
                                backgroundColor: getColor(0, null, "sm"),
                            },
                            {
                                label: _t("Acknowledged within target"),
                                data: days.map((day) => day.ack_in_target),
                                backgroundColor: getColor(2, null, "sm"),
                            },
                            {
                                label: _t("Escalated"),
                                data: days.map((day) => day.escalated),
                                backgroundColor: getColor(1, null, "sm"),
                            },
                        ],
                    },
                    options: {
                        maintainAspectRatio: false,
                        animation: false,
                        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
                        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
                        onClick: (event, elements) => {
                            if (elements.length) {
                                const day = days[elements[0].index];
                                const figure = ["count", "ack_in_target", "escalated"][elements[0].datasetIndex];
                                this.openAlerts(figure, day, day.date);
                            }
                        },
                    },
                })
            );
        }
        if (this.departmentCanvas.el) {
            const departments = data.by_department;
            this.charts.push(
                new window.Chart(this.departmentCanvas.el, {
                    type: "bar",
                    data: {
                        labels: departments.map((row) => row.name),
                        datasets: [
                            {
                                label: _t("Critical values"),
                                data: departments.map((row) => row.count),
                                backgroundColor: getColor(0, null, "sm"),
                            },
                            {
                                label: _t("Open now"),
                                data: departments.map((row) => row.open),
                                backgroundColor: getColor(3, null, "sm"),
                            },
                        ],
                    },
                    options: {
                        indexAxis: "y",
                        maintainAspectRatio: false,
                        animation: false,
                        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
                        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
                        onClick: (event, elements) => {
                            if (elements.length) {
                                const row = departments[elements[0].index];
                                const figure = ["count", "open"][elements[0].datasetIndex];
                                this.openAlerts(figure, row, row.name);
                            }
                        },
                    },
                })
            );
        }
    }

    get departmentChartHeight() {
        return 60 + 28 * Math.max(this.state.data.by_department.length, 1);
    }
}

registry.category("actions").add("ihospital_critical_dashboard", CriticalDashboard);
