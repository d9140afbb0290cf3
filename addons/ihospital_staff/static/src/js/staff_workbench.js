/** @odoo-module **/
/* The staff app's home (工作台), phone first: tiles by role with live
 * counts, who is on duty now in my department, quick search for a colleague
 * (pinyin: "lxm") or a patient. The figures come from
 * ihospital.staff.workbench.get_data, counted with the user's rights; the bus
 * says when they change. */
import { Component, onWillStart, onWillUnmount, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { KeepLast } from "@web/core/utils/concurrency";
import { useService } from "@web/core/utils/hooks";
import { debounce } from "@web/core/utils/timing";
import { PATIENT_ACTION } from "./patient_chart";

const LIVE_EVENTS = ["ihospital_critical/alert", "ihospital_critical/update", "ihospital_notice/new"];
const SEARCH_LIMIT = 6;
const MIN_NUMBER_LENGTH = 4;

export class StaffWorkbench extends Component {
    static template = "ihospital_staff.StaffWorkbench";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.busService = useService("bus_service");
        this.keepLast = new KeepLast();
        this.state = useState({ data: null, error: "", query: "", colleagues: [], patients: [], searched: "" });
        this.reload = () => this.load();
        for (const event of LIVE_EVENTS) {
            this.busService.subscribe(event, this.reload);
        }
        onWillUnmount(() => {
            for (const event of LIVE_EVENTS) {
                this.busService.unsubscribe(event, this.reload);
            }
        });
        this.search = debounce(this.search.bind(this), 250);
        onWillStart(() => this.load());
    }

    async load() {
        try {
            this.state.data = await this.keepLast.add(this.orm.call("ihospital.staff.workbench", "get_data", []));
            this.state.error = "";
        } catch (error) {
            this.state.error = error.data?.message || _t("The workbench could not be loaded.");
        }
    }

    async openTile(tile) {
        const action = await this.orm.call("ihospital.staff.workbench", "get_tile_action", [tile.key]);
        this.action.doAction(action);
    }

    onInput(ev) {
        this.state.query = ev.target.value;
        this.search();
    }

    async search() {
        const query = this.state.query.trim();
        if (!query) {
            this.state.colleagues = [];
            this.state.patients = [];
            return;
        }
        const calls = [this.orm.call("hr.employee.public", "name_search", [], { name: query, limit: SEARCH_LIMIT })];
        if (this.state.data?.can_search_patients) {
            calls.push(this.orm.call("ihospital.patient", "name_search", [], { name: query, limit: SEARCH_LIMIT }));
        }
        const [colleagues, patients] = await Promise.all(calls);
        if (query !== this.state.query.trim()) {
            return;
        }
        this.state.colleagues = colleagues.map(([id, name]) => ({ id, name }));
        this.state.patients = (patients || []).map(([id, name]) => ({ id, name }));
        this.state.searched = query;
    }

    get offerEmergencyAccess() {
        // no patient found for a number: perhaps another department's
        const query = this.state.query.trim();
        return (
            this.state.data?.can_break_glass &&
            query.length >= MIN_NUMBER_LENGTH &&
            this.state.searched === query &&
            !this.state.patients.length
        );
    }

    openEmergencyAccess() {
        // break the glass: the number typed, a reason, the server decides
        this.action.doAction("ihospital_base.ihospital_emergency_access_wizard_action", {
            additionalContext: { default_identifier: this.state.query.trim() },
        });
    }

    openRecord(model, id) {
        if (model === "ihospital.patient") {
            // the patient's page: identity, allergies, bed and the clinical timeline
            this.action.doAction(PATIENT_ACTION, { props: { resId: id } });
            return;
        }
        this.action.doAction({
            type: "ir.actions.act_window",
            res_model: model,
            res_id: id,
            views: [[false, "form"]],
            target: "current",
        });
    }
}

registry.category("actions").add("ihospital_staff_workbench", StaffWorkbench);
