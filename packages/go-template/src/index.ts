/**
 * `@courier/go-template`: Go's text/template and html/template with sprig's hermetic functions, in TypeScript.
 * @module
 */
export { parse, parseFiles, TemplateSet, type TemplateOptions, type UserFunc } from './template.js';
export { TemplateParseError } from './parse/parser.js';
export { TemplateExecError } from './exec.js';
export { FuncError, type GoFunc, type FuncMap, type ParamType } from './funcs/types.js';
export { GoNum, GoStruct, GoTyped, float64, int64, sliceOf, mapOf, type ContentType, type NumKind } from './value.js';
export { sprintf, sprint, sprintln } from './printf.js';
export { supportedSprigFunctions, NON_HERMETIC } from './funcs/sprig/index.js';
