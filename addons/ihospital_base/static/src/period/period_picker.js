/** @odoo-module **/
/* The period of a phone-first dashboard: chips that scroll sideways on a
 * phone, and two dates for "custom". The dashboard owns the state
 * (`period`, `dateFrom`, `dateTo`) and the reload; the server checks the
 * dates (custom_period in ihospital.figures.scope). Used by the operations
 * dashboard and the follow-up results. */
import { Component } from "@odoo/owl";

export class PeriodPicker extends Component {
    static template = "ihospital_base.PeriodPicker";
    static props = {
        // [{key, label}], "custom" for the two dates
        periods: Array,
        // the dashboard's reactive state: period, dateFrom, dateTo
        state: Object,
        // reload the figures
        onChange: Function,
    };

    setPeriod(key) {
        const state = this.props.state;
        if (key === state.period && key !== "custom") {
            return;
        }
        state.period = key;
        if (key !== "custom") {
            this.props.onChange();
        }
    }

    onDateChange(which, ev) {
        const state = this.props.state;
        state[which] = ev.target.value;
        if (state.dateFrom && state.dateTo) {
            this.props.onChange();
        }
    }
}
