/** @odoo-module **/
/* The staff app's clinical screens, phone first (375 px): "my patients"
 * (today's clinic, my inpatients by bed, my department's census), the
 * patient's page (identity, allergies and alerts, current bed, one timeline
 * newest first) and the trend of a lab test (检验结果趋势) with its
 * reference range. The data come from ihospital.patient.chart, read with
 * the user's rights and logged in the access log. */
import { Component, onWillStart, useEffect, useRef, useState } from "@odoo/owl";
import { loadBundle } from "@web/core/assets";
import { getColor } from "@web/core/colors/colors";
import { _t } from "@web/core/l10n/translation";
import { deserializeDateTime, formatDateTime } from "@web/core/l10n/dates";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { Layout } from "@web/search/layout";

const CHART_MODEL = "ihospital.patient.chart";
export const PATIENT_ACTION = "ihospital_staff.ihospital_staff_patient_action";
export const TREND_ACTION = "ihospital_staff.ihospital_staff_lab_trend_action";
// icons of the timeline's sources; a new source may send its own
const KIND_ICONS = {
    admission: "fa-bed",
    visit: "fa-stethoscope",
    lab: "fa-flask",
    imaging: "fa-picture-o",
    consultation: "fa-comments",
};

function formatWhen(value, format = "MM-dd HH:mm") {
    return value ? formatDateTime(deserializeDateTime(value), { format }) : "";
}

/** The id a screen shows: in the URL (/odoo/ihospital-patient/42) or given by the caller. */
function recordId(props, param) {
    return parseInt(props.resId || props.action?.params?.[param] || props.action?.context?.active_id) || false;
}

class ClinicalScreen extends Component {
    static components = { Layout };
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.formatWhen = formatWhen;
        this.join = (...parts) => parts.filter(Boolean).join(" · ");
    }

    get display() {
        return { controlPanel: {} };
    }

    async call(method, args, kwargs = {}) {
        try {
            const data = await this.orm.call(CHART_MODEL, method, args, kwargs);
            this.state.error = "";
            return data;
        } catch (error) {
            this.state.error = error.data?.message || _t("This screen could not be loaded.");
            return null;
        }
    }

    openPatient(patientId) {
        this.action.doAction(PATIENT_ACTION, { props: { resId: patientId } });
    }
}

export class MyPatients extends ClinicalScreen {
    static template = "ihospital_staff.MyPatients";

    setup() {
        super.setup();
        this.state = useState({ data: null, error: "", tab: "" });
        onWillStart(() => this.load());
    }

    async load() {
        const data = await this.call("get_my_patients", []);
        if (data) {
            this.state.data = data;
            this.state.tab ||= data.inpatients.length || !data.clinic.length ? "inpatients" : "clinic";
            if (!data.inpatients.length && !data.clinic.length) {
                this.state.tab = "census";
            }
        }
    }

    get tabs() {
        const data = this.state.data;
        return [
            { key: "clinic", label: _t("Today's Clinic"), count: data.clinic.length },
            { key: "inpatients", label: _t("My Inpatients"), count: data.inpatients.length },
            { key: "census", label: _t("Department"), count: data.census.length },
        ];
    }

    /** The census by ward: [{ward, rows}]. */
    get wards() {
        const wards = [];
        for (const row of this.state.data.census) {
            if (!wards.length || wards.at(-1).ward !== row.ward) {
                wards.push({ ward: row.ward, rows: [] });
            }
            wards.at(-1).rows.push(row);
        }
        return wards;
    }
}

export class PatientPage extends ClinicalScreen {
    static template = "ihospital_staff.PatientPage";

    setup() {
        super.setup();
        // kind: the lookup opens a patient on their lab reports ("lab")
        this.state = useState({ data: null, error: "", kind: this.props.kind || "", open: {} });
        this.kindIcons = KIND_ICONS;
        onWillStart(() => this.load());
    }

    async load() {
        const patientId = recordId(this.props, "patient_id");
        if (!patientId) {
            this.state.error = _t("Open a patient from My Patients or the search of the workbench.");
            return;
        }
        this.state.data = await this.call("get_patient", [patientId]);
        if (this.state.data && this.state.kind === "lab") {
            // the newest lab report opened on its results
            const newest = this.state.data.timeline.find((entry) => entry.kind === "lab" && entry.lines?.length);
            if (newest) {
                this.state.open[newest.key] = true;
            }
        }
    }

    get entries() {
        const timeline = this.state.data.timeline;
        return this.state.kind ? timeline.filter((entry) => entry.kind === this.state.kind) : timeline;
    }

    toggle(entry) {
        if (entry.lines?.length) {
            this.state.open[entry.key] = !this.state.open[entry.key];
        } else if (entry.model) {
            this.action.doAction({
                type: "ir.actions.act_window",
                res_model: entry.model,
                res_id: entry.res_id,
                views: [[false, "form"]],
                target: "current",
            });
        }
    }

    openTrend(line) {
        this.action.doAction(TREND_ACTION, { props: { resId: line.id } });
    }
}

export class LabTrend extends ClinicalScreen {
    static template = "ihospital_staff.LabTrend";

    setup() {
        super.setup();
        this.state = useState({ data: null, error: "" });
        this.canvas = useRef("canvas");
        this.chart = null;
        onWillStart(async () => {
            await loadBundle("web.chartjs_lib");
            await this.load();
        });
        useEffect(
            () => {
                this.renderChart();
                return () => this.chart?.destroy();
            },
            () => [this.state.data]
        );
    }

    async load(days = undefined) {
        const resultId = recordId(this.props, "result_id");
        if (!resultId) {
            this.state.error = _t("Open a result line from a patient's lab report.");
            return;
        }
        const data = await this.call("get_lab_trend", [resultId], days ? { days } : {});
        if (data) {
            this.state.data = data;
        }
    }

    get newestFirst() {
        return [...this.state.data.points].reverse();
    }

    renderChart() {
        this.chart?.destroy();
        this.chart = null;
        const data = this.state.data;
        if (!data || !this.canvas.el || !window.Chart || !data.points.length) {
            return;
        }
        const points = data.points;
        const labels = points.map((point) => formatWhen(point.date));
        const color = getColor(0, null, "sm");
        const datasets = [
            {
                label: `${data.test}${data.unit ? ` (${data.unit})` : ""}`,
                data: points.map((point) => point.value),
                borderColor: color,
                backgroundColor: color,
                pointBackgroundColor: points.map((point) =>
                    point.critical ? "#dc3545" : point.abnormal ? "#fd7e14" : color
                ),
                pointRadius: points.map((point) => (point.chosen ? 6 : 4)),
                tension: 0.2,
            },
        ];
        // the reference range: its limits as dashed lines, the band between them shaded
        const band = "rgba(25, 135, 84, 0.12)";
        if (data.low !== null) {
            datasets.push({
                label: _t("Lower limit"),
                data: points.map(() => data.low),
                borderColor: "#198754",
                borderDash: [6, 4],
                borderWidth: 1,
                pointRadius: 0,
                fill: false,
            });
        }
        if (data.high !== null) {
            datasets.push({
                label: _t("Upper limit"),
                data: points.map(() => data.high),
                borderColor: "#198754",
                borderDash: [6, 4],
                borderWidth: 1,
                pointRadius: 0,
                backgroundColor: band,
                fill: data.low !== null ? "-1" : false,
            });
        }
        this.chart = new window.Chart(this.canvas.el, {
            type: "line",
            data: { labels, datasets },
            options: {
                maintainAspectRatio: false,
                animation: false,
                scales: { x: { ticks: { maxRotation: 60, autoSkip: true } } },
                plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
            },
        });
    }
}

registry.category("actions").add("ihospital_staff_my_patients", MyPatients);
registry.category("actions").add("ihospital_staff_patient", PatientPage);
registry.category("actions").add("ihospital_staff_lab_trend", LabTrend);
