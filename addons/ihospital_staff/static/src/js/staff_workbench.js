/** @odoo-module **/
/* The staff app's home (工作台), phone first: tiles by role with live
 * counts, who is on duty now in my department, quick search for a colleague
 * (pinyin: "lxm") or a patient (the patient lookup: card, ID or HIS number,
 * name, pinyin; see patient_lookup.js). The figures come from
 * ihospital.staff.workbench.get_data, counted with the user's rights; the bus
 * says when they change. */
import { Component, onWillStart, onWillUnmount, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { KeepLast } from "@web/core/utils/concurrency";
import { useService } from "@web/core/utils/hooks";
import { useDebounced } from "@web/core/utils/timing";
import {
    cleanScan,
    LOOKUP_DELAY,
    lookupHint,
    openPatient,
    PatientLookupList,
    singleByNumber,
    usePatientLookup,
} from "./patient_lookup";

const LIVE_EVENTS = ["ihospital_critical/alert", "ihospital_critical/update", "ihospital_notice/new"];
const SEARCH_LIMIT = 6;
const MIN_NUMBER_LENGTH = 4;

export class StaffWorkbench extends Component {
    static template = "ihospital_staff.StaffWorkbench";
    static components = { PatientLookupList };
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.busService = useService("bus_service");
        this.keepLast = new KeepLast();
        this.state = useState({ data: null, error: "", query: "", colleagues: [], searched: "" });
        this.lookup = usePatientLookup();
        this.reload = () => this.load();
        for (const event of LIVE_EVENTS) {
            this.busService.subscribe(event, this.reload);
        }
        onWillUnmount(() => {
            for (const event of LIVE_EVENTS) {
                this.busService.unsubscribe(event, this.reload);
            }
        });
        this.searchColleagues = useDebounced(this.searchColleagues, LOOKUP_DELAY);
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

    get placeholderPatients() {
        return _t("Colleague or patient: name, lxm, card or ID number");
    }

    get placeholderColleagues() {
        return _t("Colleague (name, lxm)");
    }

    onInput(ev) {
        this.state.query = ev.target.value;
        if (lookupHint(this.state.query)) {
            this.searchColleagues.cancel();
            this.state.colleagues = [];
            this.state.searched = "";
        } else {
            this.searchColleagues();
        }
        if (this.state.data?.can_search_patients) {
            this.lookup.input(this.state.query);
        }
    }

    async onKeydown(ev) {
        if (ev.key !== "Enter" || !this.state.data?.can_search_patients) {
            return;
        }
        // a card scanner types the number then Enter: look it up at once, and
        // open the patient when the number is one patient's
        ev.preventDefault();
        const term = cleanScan(ev.target.value);
        ev.target.value = this.state.query = term;
        this.searchColleagues();
        const patient = singleByNumber(await this.lookup.now(term));
        if (patient) {
            openPatient(this.action, patient.id);
        }
    }

    async searchColleagues() {
        const query = this.state.query.trim();
        if (lookupHint(query)) {
            return;
        }
        const colleagues = await this.orm.call("hr.employee.public", "name_search", [], {
            name: query,
            limit: SEARCH_LIMIT,
        });
        if (query !== this.state.query.trim()) {
            return;
        }
        this.state.colleagues = colleagues.map(([id, name]) => ({ id, name }));
        this.state.searched = query;
    }

    /** Both searches answered for the term in the box, and nobody found. */
    get nobodyMatches() {
        const query = this.state.query.trim();
        const lookup = this.lookup.state;
        return (
            query &&
            this.state.searched === query &&
            !this.state.colleagues.length &&
            (!this.state.data?.can_search_patients || (lookup.searched === query && !lookup.patients.length))
        );
    }

    get offerEmergencyAccess() {
        // no patient found for a number: perhaps another department's
        const query = this.state.query.trim();
        const lookup = this.lookup.state;
        return (
            this.state.data?.can_break_glass &&
            query.length >= MIN_NUMBER_LENGTH &&
            lookup.searched === query &&
            !lookup.patients.length
        );
    }

    openEmergencyAccess() {
        // break the glass: the number typed, a reason, the server decides
        this.action.doAction("ihospital_base.ihospital_emergency_access_wizard_action", {
            additionalContext: { default_identifier: this.state.query.trim() },
        });
    }

    openRecord(model, id) {
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
