/** @odoo-module **/
/* Follow-up results by doctor (回访满意度), phone first: the response rate,
 * the satisfaction score and its distribution, each question's answers, the
 * patients' comments and the trend of the caller's scope (his or her own
 * scores, the departments he or she heads, or the hospital), with the
 * consultation ratings of the same doctors beside. The server decides the
 * scope (ihospital.followup.result.get_results). */
import { Component, onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { KeepLast } from "@web/core/utils/concurrency";
import { useService } from "@web/core/utils/hooks";
import { formatFloat } from "@web/core/utils/numbers";
import { PeriodPicker } from "@ihospital_base/period/period_picker";
import { Layout } from "@web/search/layout";

const RESULT_MODEL = "ihospital.followup.result";

export class FollowupResults extends Component {
    static template = "ihospital_survey.FollowupResults";
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
            period: "quarter",
            dateFrom: "",
            dateTo: "",
            departmentId: false,
            doctorId: false,
        });
        onWillStart(() => this.load());
    }

    get display() {
        return { controlPanel: {} };
    }

    get periods() {
        return [
            { key: "week", label: _t("This week") },
            { key: "month", label: _t("This month") },
            { key: "last_month", label: _t("Last month") },
            { key: "quarter", label: _t("3 months") },
            { key: "year", label: _t("This year") },
            { key: "custom", label: _t("Dates…") },
        ];
    }

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
            const data = await this.keepLast.add(this.orm.call(RESULT_MODEL, "get_results", [], this.params));
            this.state.data = data;
            this.state.dateFrom = data.period.date_from;
            this.state.dateTo = data.period.date_to;
            this.state.error = "";
        } catch (error) {
            this.state.error = error.data?.message || error.message || String(error);
        } finally {
            this.state.loading = false;
        }
    }

    onDepartmentChange(ev) {
        this.state.departmentId = parseInt(ev.target.value) || false;
        this.state.doctorId = false;
        this.load();
    }

    onDoctorChange(ev) {
        this.state.doctorId = parseInt(ev.target.value) || false;
        this.load();
    }

    openRows() {
        const data = this.state.data;
        const domain = [
            ["day", ">=", data.period.date_from],
            ["day", "<=", data.period.date_to],
        ];
        if (this.state.departmentId) {
            domain.push(["department_id", "=", this.state.departmentId]);
        }
        if (this.state.doctorId) {
            domain.push(["doctor_id", "=", this.state.doctorId]);
        }
        this.action.doAction({
            type: "ir.actions.act_window",
            name: _t("Follow-up Results"),
            res_model: RESULT_MODEL,
            views: [
                [false, "list"],
                [false, "form"],
            ],
            domain,
            context: { create: false },
        });
    }

    format(value, unit = "") {
        if (value === null || value === undefined || value === false) {
            return "–";
        }
        const digits = !unit && Number.isInteger(value) ? 0 : 1;
        return `${formatFloat(value, { digits: [false, digits] })}${unit}`;
    }

    change(current, previous) {
        if (current === null || previous === null || current === undefined || previous === undefined) {
            return { text: "–", color: "text-muted" };
        }
        const delta = current - previous;
        const digits = Number.isInteger(delta) ? 0 : 1;
        return {
            text: `${delta > 0 ? "+" : ""}${formatFloat(delta, { digits: [false, digits] })}`,
            color: delta > 0 ? "text-success" : delta < 0 ? "text-danger" : "text-muted",
        };
    }

    share(count, list) {
        const total = list.reduce((sum, item) => sum + item.count, 0);
        return total ? Math.round((100 * count) / total) : 0;
    }

    get figures() {
        const { summary, previous } = this.state.data;
        return [
            ["score", _t("Satisfaction score"), summary.score, previous.score, "%"],
            ["response_rate", _t("Response rate"), summary.response_rate, previous.response_rate, "%"],
            ["sent", _t("Surveys sent"), summary.sent, previous.sent, ""],
            ["answered", _t("Answered"), summary.answered, previous.answered, ""],
        ];
    }

    get hasTrend() {
        return this.state.data.trend.points.some((point) => point.sent);
    }
}

registry.category("actions").add("ihospital_survey.results", FollowupResults);
