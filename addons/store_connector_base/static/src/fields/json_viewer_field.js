import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { standardFieldProps } from "@web/views/fields/standard_field_props";
import { Component } from "@odoo/owl";

// Odoo 18 has no form widget for fields.Json (its "jsonb" widget is for another field type and prints
// one long line), so job payloads, results and webhook headers would show as nothing. This read-only
// widget prints them indented, or on one line when they are short.
const COMPACT_MAX_LENGTH = 80;

export class StoreConnectorJsonField extends Component {
    static template = "store_connector_base.JsonViewerField";
    static props = { ...standardFieldProps };

    get formattedValue() {
        const value = this.props.record.data[this.props.name];
        if (value === false || value === null || value === undefined) {
            return "";
        }
        let data = value;
        if (typeof value === "string") {
            // A text field holding JSON (a job's result, a delivery's body) is shown indented too;
            // any other text (a form-encoded body, a sentence) as it is.
            try {
                data = /^\s*[[{]/.test(value) ? JSON.parse(value) : value;
            } catch {
                data = value;
            }
            if (typeof data === "string") {
                return data;
            }
        }
        const indented = JSON.stringify(data, null, 2);
        // JSON strings never hold a raw newline, so only the layout whitespace is folded here.
        const compact = indented
            .replace(/([[{])\n\s*/g, "$1")
            .replace(/\n\s*([\]}])/g, "$1")
            .replace(/\n\s*/g, " ");
        return compact.length <= COMPACT_MAX_LENGTH ? compact : indented;
    }
}

export const storeConnectorJsonField = {
    component: StoreConnectorJsonField,
    displayName: _t("JSON"),
    supportedTypes: ["json", "text", "char"],
};

registry.category("fields").add("store_connector_json", storeConnectorJsonField);
