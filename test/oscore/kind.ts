/** Kept for the OSCORE tests' imports: the shared helper. */
export { kindOf } from '../helpers/errors.ts';
