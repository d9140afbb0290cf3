/** @odoo-module **/
/* Operations analysis (运营分析), phone first: the figures of a period for
 * the user's scope (the hospital, the departments he or she heads, or his or
 * her own workload), each compared with the period before (环比) and the same
 * period last year (同比), a trend, the charges by class, the doctors'
 * workload and the cameras the user may open. The server decides the scope
 * (ihospital.analysis.dashboard.get_dashboard); a figure opens the records
 * behind it with the domain the server declared for it. */
import { Component, onWillStart, useEffect, useRef, useState } from "@odoo/owl";
import { loadBundle } from "@web/core/assets";
import { getColor } from "@web/core/colors/colors";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { KeepLast } from "@web/core/utils/concurrency";
import { useService } from "@web/core/utils/hooks";
import { formatFloat } from "@web/core/utils/numbers";
import { PeriodPicker } from "@ihospital_base/period/period_picker";
import { Layout } from "@web/search/layout";

const DASHBOARD_MODEL = "ihospital.analysis.dashboard";
// figures where a rise is bad news (its arrow is red)
// the busiest doctors shown before "Show all"
const WORKLOAD_SHOWN = 10;
const LOWER_IS_BETTER = new Set(["no_shows", "wait_avg", "los_avg", "drug_share"]);

export class AnalysisDashboard extends Component {
    static template = "ihospital_analysis.AnalysisDashboard";
    static components = { Layout, PeriodPicker };
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.keepLast = new KeepLast();
        this.state = useState({
            data: null,
            error: "",
            loading: true,
            period: "today",
            dateFrom: "",
            dateTo: "",
            departmentId: false,
            doctorId: false,
            trendKey: false,
            allDoctors: false,
        });
        this.trendCanvas = useRef("trendCanvas");
        this.chargesCanvas = useRef("chargesCanvas");
        this.camerasRef = useRef("cameras");
        this.charts = [];

        onWillStart(async () => {
            await Promise.all([loadBundle("web.chartjs_lib"), this.load()]);
        });
        useEffect(
            () => {
                this.renderCharts();
                return () => this.destroyCharts();
            },
            () => [this.state.data, this.state.trendKey]
        );
    }

    get display() {
        return { controlPanel: {} };
    }

    // ------------------------------------------------------------------ data
    get params() {
        const { period, dateFrom, dateTo, departmentId, doctorId } = this.state;
        return {
            period,
            date_from: period === "custom" ? dateFrom || false : false,
            date_to: period === "custom" ? dateTo || false : false,
            department_id: departmentId || false,
            doctor_id: doctorId || false,
        };
    }

    async load() {
        this.state.loading = true;
        try {
            const data = await this.keepLast.add(
                this.orm.call(DASHBOARD_MODEL, "get_dashboard", [], this.params)
            );
            this.state.data = data;
            this.state.dateFrom = data.period.date_from;
            this.state.dateTo = data.period.date_to;
            const keys = (data.trend?.series || []).map((serie) => serie.key);
            if (!keys.includes(this.state.trendKey)) {
                this.state.trendKey = keys[0] || false;
            }
            this.state.error = "";
        } catch (error) {
            // a bad custom period or a refused scope: say why, keep the last figures
            this.state.error = error.data?.message || error.message || String(error);
        } finally {
            this.state.loading = false;
        }
    }

    get periods() {
        return [
            { key: "today", label: _t("Today") },
            { key: "week", label: _t("This week") },
            { key: "month", label: _t("This month") },
            { key: "last_month", label: _t("Last month") },
            { key: "year", label: _t("This year") },
            { key: "last_year", label: _t("Last year") },
            { key: "custom", label: _t("Dates…") },
        ];
    }

    setTrend(key) {
        this.state.trendKey = key;
    }

    onDepartmentChange(ev) {
        this.state.departmentId = parseInt(ev.target.value) || false;
        this.load();
    }

    onDoctorChange(ev) {
        this.state.doctorId = parseInt(ev.target.value) || false;
        this.load();
    }

    selectDoctor(row) {
        const doctors = this.state.data.scope.doctors || [];
        if (row.doctor_id && doctors.some((doctor) => doctor.id === row.doctor_id)) {
            this.state.doctorId = row.doctor_id;
            this.load();
        }
    }

    get workloadRows() {
        const rows = this.state.data.workload;
        return this.state.allDoctors ? rows : rows.slice(0, WORKLOAD_SHOWN);
    }

    get allDoctorsLabel() {
        return _t("Show all %s doctors", this.state.data.workload.length);
    }

    get camerasLabel() {
        return _t("Cameras (%s)", this.state.data.cameras.length);
    }

    showAllDoctors() {
        this.state.allDoctors = true;
    }

    showCameras() {
        this.camerasRef.el?.scrollIntoView({ behavior: "smooth", block: "start" });
    }

    get exportUrl() {
        const params = new URLSearchParams();
        for (const [key, value] of Object.entries(this.params)) {
            if (value) {
                params.set(key, value);
            }
        }
        return `/ihospital/analysis/export.xlsx?${params}`;
    }

    get isEmpty() {
        const data = this.state.data;
        return !data.sections.some((section) => section.figures.some((figure) => figure.value));
    }

    get hasCharges() {
        return (this.state.data.charges_by_class || []).some((row) => row.amount);
    }

    get hasTrend() {
        const serie = this.trendSerie;
        return Boolean(serie && serie.values.some((value) => value));
    }

    get trendSerie() {
        const series = this.state.data.trend?.series || [];
        return series.find((serie) => serie.key === this.state.trendKey) || series[0];
    }

    // ------------------------------------------------------------------ drill-down
    openFigure(figure) {
        if (figure.drill) {
            this.openDrill(figure.drill, figure.label);
        }
    }

    openDrill(drill, label) {
        this.action.doAction({
            type: "ir.actions.act_window",
            name: drill.name || label,
            res_model: drill.model,
            views: [
                [false, "list"],
                [false, "form"],
            ],
            domain: drill.domain,
            context: { create: false },
        });
    }

    // ------------------------------------------------------------------ formatting
    formatValue(value, unit) {
        if (value === null || value === undefined || value === false) {
            return "–";
        }
        const currency = this.state.data?.currency;
        if (currency && unit === currency.name) {
            return `${currency.symbol}${formatFloat(value, { digits: [false, Math.abs(value) >= 1000 ? 0 : 2] })}`;
        }
        switch (unit) {
            case "%":
                return `${formatFloat(value, { digits: [false, 1] })}%`;
            case "min":
                return _t("%s min", formatFloat(value, { digits: [false, 1] }));
            case "d":
                return _t("%s d", formatFloat(value, { digits: [false, 1] }));
            default:
                return Number.isInteger(value)
                    ? formatFloat(value, { digits: [false, 0] })
                    : formatFloat(value, { digits: [false, 1] });
        }
    }

    /** The arrow of a change: its direction, its colour (is it good news?),
     * its text (+12.5%), and the compared value for the tooltip. */
    change(figure, which) {
        const ratio = figure[which === "previous" ? "mom" : "yoy"];
        const compared = this.formatValue(figure[which], figure.unit);
        if (ratio === null || ratio === undefined) {
            return { icon: "", color: "text-muted", text: "–", compared };
        }
        const better = LOWER_IS_BETTER.has(figure.key) ? ratio < 0 : ratio > 0;
        return {
            icon: ratio > 0 ? "fa-arrow-up" : ratio < 0 ? "fa-arrow-down" : "fa-minus",
            color: ratio === 0 ? "text-muted" : better ? "text-success" : "text-danger",
            text: `${ratio > 0 ? "+" : ""}${formatFloat(ratio * 100, { digits: [false, 1] })}%`,
            compared,
        };
    }

    formatRating(value) {
        return value === null || value === undefined ? "–" : formatFloat(value, { digits: [false, 1] });
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
        const serie = this.trendSerie;
        if (this.trendCanvas.el && serie) {
            const color = getColor(0, null, "sm");
            this.charts.push(
                new window.Chart(this.trendCanvas.el, {
                    type: "line",
                    data: {
                        labels: data.trend.labels,
                        datasets: [
                            {
                                label: serie.label,
                                data: serie.values,
                                borderColor: color,
                                backgroundColor: color,
                                tension: 0.25,
                                pointRadius: data.trend.labels.length > 40 ? 0 : 2,
                            },
                        ],
                    },
                    options: {
                        maintainAspectRatio: false,
                        animation: false,
                        scales: {
                            x: { ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 } },
                            y: { beginAtZero: true },
                        },
                        plugins: {
                            legend: { display: false },
                            tooltip: {
                                callbacks: {
                                    label: (context) =>
                                        `${serie.label}: ${this.formatValue(
                                            context.raw,
                                            serie.key.startsWith("charges") ? data.currency.name : ""
                                        )}`,
                                },
                            },
                        },
                    },
                })
            );
        }
        const charges = (data.charges_by_class || []).filter((row) => row.amount);
        if (this.chargesCanvas.el && charges.length) {
            this.charts.push(
                new window.Chart(this.chargesCanvas.el, {
                    type: "doughnut",
                    data: {
                        labels: charges.map((row) => row.label),
                        datasets: [
                            {
                                data: charges.map((row) => row.amount),
                                backgroundColor: charges.map((row, index) => getColor(index, null, "md")),
                            },
                        ],
                    },
                    options: {
                        maintainAspectRatio: false,
                        animation: false,
                        plugins: {
                            legend: { position: "bottom", labels: { boxWidth: 12 } },
                            tooltip: {
                                callbacks: {
                                    label: (context) =>
                                        `${context.label}: ${this.formatValue(context.raw, data.currency.name)}`,
                                },
                            },
                        },
                        onClick: (event, elements) => {
                            const row = elements.length && charges[elements[0].index];
                            if (row && row.drill) {
                                this.openDrill(row.drill, row.label);
                            }
                        },
                    },
                })
            );
        }
    }
}

registry.category("actions").add("ihospital_analysis.dashboard", AnalysisDashboard);
